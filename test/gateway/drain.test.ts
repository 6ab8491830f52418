import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer, eventually } from '@chat/testkit';
import { startNode, type TestNode } from './helpers/gateway-nodes.js';
import { fetchJson, poll, postMessage, presence, type PollAnswer } from './helpers/http-client.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { TcpLineClient, WsLineClient } from './helpers/line-clients.js';
import { LOBBY, readyLineClient } from './helpers/lobby.js';
import { Resources } from './helpers/resources.js';
import { SseClient } from './helpers/sse-client.js';

const DRAIN_TIMEOUT_MS = 2000;
const resources = new Resources();
let redis: RedisServer;

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  await resources.closeAll();
  await redis?.stop();
});

/** A connection with a request whose headers are not finished: the request is in flight when the drain starts. */
async function halfSentRequest(port: number, path: string): Promise<{ socket: Socket; finish: () => Promise<string> }> {
  const socket = connect({ port, host: '127.0.0.1' });
  socket.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', () => resolve());
    socket.once('error', reject);
  });
  socket.write(`GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n`);
  const finish = (): Promise<string> =>
    new Promise((resolve) => {
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        answer += chunk;
        const split = answer.indexOf('\r\n\r\n');
        const length = /content-length: (\d+)/i.exec(answer);
        if (split !== -1 && length && answer.length >= split + 4 + Number(length[1])) resolve(answer);
      });
      socket.on('close', () => resolve(answer));
      socket.write('Connection: close\r\n\r\n');
    });
  return { socket, finish };
}

/** Whether a new request to the node can see it as ready: a refused connection counts as not ready. */
async function freshReadyz(node: TestNode): Promise<number | 'refused'> {
  try {
    return (await fetch(`${node.http}/readyz`)).status;
  } catch {
    return 'refused';
  }
}

/** The drain ends within DRAIN_TIMEOUT_MS (plus slack for a busy machine), whatever the client does. */
async function expectDrainedInTime(draining: Promise<void>, started: number): Promise<void> {
  const outcome = await Promise.race([
    draining.then(() => 'drained'),
    new Promise<string>((resolve) => setTimeout(() => resolve('still draining'), DRAIN_TIMEOUT_MS + 1500).unref()),
  ]);
  expect(outcome, `after ${Date.now() - started} ms`).toBe('drained');
}

describe('graceful drain', () => {
  it('drain turns /readyz 503 at once, closes ws 1012, ends SSE with error draining, ends TCP and polls, resolves in time; the other node keeps serving', async () => {
    const settings = { TCP_PORT: '0', DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS) };
    const a = await startNode('node-a', redis.url, settings);
    resources.track({ close: () => a.drain() });
    const b = await startNode('node-b', redis.url, settings);
    resources.track({ close: () => b.drain() });
    const room = 'drain-room';

    const ws = resources.track(await JsonWsClient.connect(a.ws, { nick: 'on-a' }));
    await ws.join(room);
    const line = resources.track(await readyLineClient(a.http, () => WsLineClient.connect(a.ws), 'line-on-a'));
    const tcp = resources.track(await readyLineClient(a.http, () => TcpLineClient.connect(a.tcpPort), 'tcp-on-a'));
    const sse = resources.track(await SseClient.open(a.http, `rooms=${room}&nick=sse-on-a`));
    await sse.joined(room);
    const first: PollAnswer = await poll(a.http, room);
    const pending = poll(a.http, room, { cursor: first.cursor, timeoutS: 20 });
    const survivor = resources.track(await JsonWsClient.connect(b.ws, { nick: 'on-b' }));
    await survivor.join(room);
    await eventually(async () => (await presence(b.http, room)).members.length === 3, { what: 'three members in presence' });
    const probe = await halfSentRequest(a.port, '/readyz');
    resources.track({ close: () => probe.socket.destroy() });

    const started = Date.now();
    const drained = a.drain().then(() => Date.now() - started);

    const readyz = await probe.finish();
    expect(readyz).toMatch(/^HTTP\/1\.1 503/);
    expect(readyz).toContain('"reason":"draining"');
    expect(await freshReadyz(a)).not.toBe(200);

    expect((await ws.waitForClose(5000)).code).toBe(1012);
    expect((await line.closed).code).toBe(1012);
    const sseError = await sse.next((event) => event.type === 'error', { timeoutMs: 5000 });
    expect(sseError.data.code).toBe('draining');
    await sse.connectionErrors.waitForCount(1, { timeoutMs: 5000 });
    sse.close();
    await tcp.waitForEnd(5000);
    expect(tcp.lines.items.some((text) => /^status ! .*draining/.test(text))).toBe(true);
    const pollStarted = Date.now();
    await pending.catch(() => undefined);
    expect(Date.now() - pollStarted).toBeLessThan(DRAIN_TIMEOUT_MS + 1000);

    const elapsed = await drained;
    expect(elapsed).toBeLessThan(DRAIN_TIMEOUT_MS + 1000);
    const presenceAfterDrain = await presence(b.http, room);
    expect(await freshReadyz(a)).toBe('refused');

    expect((await fetchJson(`${b.http}/readyz`)).status).toBe(200);
    await survivor.say(room, 'still serving');
    await survivor.waitForMessage(room, 'still serving');
    expect((await postMessage(b.http, room, { text: 'posted after the drain' })).status).toBe(201);
    // Presence must be cleaned by the drain itself, not by PRESENCE_TTL_MS expiry later: check at once.
    expect(presenceAfterDrain.members, "node-a's members in presence after its drain").toEqual([{ nick: 'on-b', node: 'node-b' }]);
    expect((await presence(b.http, LOBBY)).members.filter((member) => member.node === 'node-a'), "node-a's lobby members after its drain").toEqual([]);
  });

  it('a client that never answers the close does not hold the drain past DRAIN_TIMEOUT_MS', async () => {
    const c = await startNode('node-c', redis.url, { DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS) });
    resources.track({ close: () => c.drain() });
    const stubborn = resources.track(await JsonWsClient.connect(c.ws));
    await stubborn.join('stubborn-room');
    (stubborn.socket as unknown as { _socket: Socket })._socket.pause();
    const started = Date.now();
    const draining = c.drain();
    try {
      await expectDrainedInTime(draining, started);
    } finally {
      stubborn.terminate();
      await draining;
    }
  });

  it('a TCP client that ignores the end of the stream does not hold the drain past DRAIN_TIMEOUT_MS', async () => {
    const d = await startNode('node-d', redis.url, { TCP_PORT: '0', DRAIN_TIMEOUT_MS: String(DRAIN_TIMEOUT_MS) });
    resources.track({ close: () => d.drain() });
    // allowHalfOpen: the client keeps its side open after the server's FIN, like a peer that never reads.
    const socket = connect({ port: d.tcpPort, host: '127.0.0.1', allowHalfOpen: true });
    socket.on('error', () => undefined);
    resources.track({ close: () => socket.destroy() });
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString();
    });
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('hello\n');
    await eventually(() => received.includes("status ! received 'hello'"), { what: 'the TCP client is served' });
    const started = Date.now();
    const draining = d.drain();
    try {
      await expectDrainedInTime(draining, started);
    } finally {
      socket.destroy();
      await draining;
    }
  });
});
