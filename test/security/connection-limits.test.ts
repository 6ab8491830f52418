import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { TcpLineClient } from '../gateway/helpers/line-clients.js';
import { readyLineClient, outputLine } from '../gateway/helpers/lobby.js';
import { presence } from '../gateway/helpers/http-client.js';
import { Resources } from '../gateway/helpers/resources.js';
import { Collector, eventually } from '@chat/testkit';
import { HonestPair } from './helpers/honest.js';
import { errorCodeOf, holdStream, holdWs, httpRequest, probeWs } from './helpers/probes.js';

/** The attacker's source address; the honest clients use 127.0.0.1. */
const ATTACKER = '127.0.0.2';
const PER_IP = 3;
const resources = new Resources();
let limited: TestNode;
let pool: TestNode;
let honest: HonestPair;

beforeAll(async () => {
  limited = await startNode('per-ip', undefined, { MAX_CONNECTIONS_PER_IP: String(PER_IP), TCP_PORT: '0' });
  resources.track({ close: () => limited.drain() });
  pool = await startNode('tcp-pool', undefined, { TCP_PORT: '0', TCP_MAX_CONNECTIONS: '3', MAX_LINE_BYTES: '64' });
  resources.track({ close: () => pool.drain() });
  const sender = resources.track(await JsonWsClient.connect(limited.ws, { nick: 'honest-a' }));
  const receiver = resources.track(await JsonWsClient.connect(limited.ws, { nick: 'honest-b' }));
  honest = await HonestPair.join(sender, receiver, 'limits-room');
});

afterAll(() => resources.closeAll());

/** A raw TCP connection from `localAddress` with every line it receives. */
async function tcpFrom(port: number, localAddress: string): Promise<{ lines: Collector<string>; ended: Promise<void>; close(): void }> {
  const socket = connect({ port, host: '127.0.0.1', localAddress });
  const lines = new Collector<string>();
  let pending = '';
  socket.setEncoding('utf8');
  socket.on('data', (chunk: string) => {
    pending += chunk;
    const parts = pending.split('\n');
    pending = parts.pop() ?? '';
    for (const line of parts) lines.push(line);
  });
  socket.on('error', () => undefined);
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { lines, ended, close: () => socket.destroy() };
}

describe('MAX_CONNECTIONS_PER_IP', () => {
  it('past 3 connections from one address, ws upgrades get 429, SSE and poll 429 too_many_connections, TCP a notice; other addresses are served', async () => {
    const held = [];
    for (let index = 0; index < PER_IP; index += 1) held.push(await holdWs(`${limited.ws}/ws`, { localAddress: ATTACKER }));
    const refusedWs = await probeWs(`${limited.ws}/ws`, { localAddress: ATTACKER });
    expect(refusedWs.status).toBe(429);
    expect(JSON.parse(refusedWs.body ?? '{}')).toMatchObject({ error: { code: 'too_many_connections' } });
    expect((await probeWs(`${limited.ws}/ws/line`, { localAddress: ATTACKER })).status).toBe(429);
    for (const path of ['/sse?rooms=limits-room', '/poll?rooms=limits-room']) {
      const answer = await httpRequest(limited, path, { localAddress: ATTACKER });
      expect(answer.status, path).toBe(429);
      expect(errorCodeOf(answer)).toBe('too_many_connections');
    }
    const tcp = await tcpFrom(limited.tcpPort, ATTACKER);
    await tcp.lines.waitFor((lines) => lines.some((line) => line.startsWith('status ! too many connections')), { what: 'TCP refusal' });
    await tcp.ended;
    // Honest clients from another address are unaffected, including new ones.
    const late = resources.track(await JsonWsClient.connect(limited.ws, { nick: 'late' }));
    await late.join('limits-room');
    await honest.check();
    // A released slot can be used again.
    await held.pop()!.close();
    const again = await eventually(async () => {
      const outcome = await probeWs(`${limited.ws}/ws`, { localAddress: ATTACKER, frameCount: 1 });
      return outcome.frames.length === 1 ? outcome : undefined;
    }, { what: 'the released slot' });
    expect(JSON.parse(again.frames[0] ?? '{}')).toMatchObject({ type: 'welcome' });
    await Promise.all(held.map((socket) => socket.close()));
  });

  it('held SSE streams count against the address too, and closing them frees the slots', async () => {
    const streams = [];
    for (let index = 0; index < PER_IP; index += 1) {
      const stream = await holdStream(limited, '/sse?rooms=limits-room', { localAddress: ATTACKER });
      expect(stream.status).toBe(200);
      streams.push(stream);
    }
    expect((await probeWs(`${limited.ws}/ws`, { localAddress: ATTACKER })).status).toBe(429);
    await honest.check();
    for (const stream of streams) stream.close();
    // The server sees the closed streams asynchronously: the slots come back once it has.
    const again = await eventually(async () => {
      const outcome = await probeWs(`${limited.ws}/ws`, { localAddress: ATTACKER, frameCount: 1 });
      return outcome.frames.length === 1 ? outcome : undefined;
    }, { what: 'a slot freed by the closed SSE streams' });
    expect(again.frames.length).toBe(1);
  });
});

describe('TCP pool and line length', () => {
  it('past TCP_MAX_CONNECTIONS a new TCP client gets `status ! busy` and is closed; the pool\'s clients keep chatting', async () => {
    const watcher = resources.track(await JsonWsClient.connect(pool.ws, { nick: 'watcher' }));
    await watcher.join('lobby');
    const honestTcp = resources.track(await readyLineClient(pool.http, () => TcpLineClient.connect(pool.tcpPort), 'tcp-honest'));
    const fillers = [resources.track(await TcpLineClient.connect(pool.tcpPort)), resources.track(await TcpLineClient.connect(pool.tcpPort))];
    const extra = resources.track(await TcpLineClient.connect(pool.tcpPort));
    await extra.waitForLine('status ! busy');
    await extra.waitForEnd();
    honestTcp.send('msg ! still here');
    expect((await watcher.waitForMessage('lobby', 'still here')).nick).toBe('tcp-honest');
    await honestTcp.waitForLine(outputLine('tcp-honest', 'still here'));
    const before = (await presence(pool.http, 'lobby')).members.length;
    await fillers[0]!.close();
    // The slot is free once the server has seen the close (the client leaves lobby presence).
    await eventually(async () => (await presence(pool.http, 'lobby')).members.length < before, { what: 'filler gone from lobby' });
    const replacement = resources.track(await TcpLineClient.connect(pool.tcpPort));
    replacement.send('hello pool');
    await replacement.waitForLine("status ! received 'hello pool'");
    expect(replacement.isOpen).toBe(true);
    await Promise.all([replacement, honestTcp, ...fillers].map((client) => client.close()));
  });

  it('a line over MAX_LINE_BYTES gets `status ! line too long` and is dropped whole, with or without its newline yet; the connection stays usable', async () => {
    const watcher = resources.track(await JsonWsClient.connect(pool.ws, { nick: 'watcher-2' }));
    await watcher.join('lobby');
    const client = resources.track(await readyLineClient(pool.http, () => TcpLineClient.connect(pool.tcpPort), 'long-liner'));
    client.send(`msg ! ${'x'.repeat(100)}`);
    await client.waitForLine('status ! line too long (max 64 bytes)');
    let from = client.mark();
    client.write(`msg ! ${'y'.repeat(200)}`);
    await client.waitForLine(/^status ! line too long/, { from });
    client.write(`${'y'.repeat(200)}\nmsg ! short one\n`);
    await watcher.waitForMessage('lobby', 'short one');
    from = client.mark();
    client.send('echo');
    await client.waitForLine("status ! received 'echo'", { from });
    expect(watcher.messages('lobby').some((message) => message.text.includes('yyyy') || message.text.includes('xxxx'))).toBe(false);
  });
});

describe('refused TCP clients leave nothing behind', () => {
  it('a client refused as busy that had already sent a line does not keep a server socket (drain finishes)', async () => {
    const small = await startNode('tcp-refused', undefined, { TCP_PORT: '0', TCP_MAX_CONNECTIONS: '1', DRAIN_TIMEOUT_MS: '200' });
    const holder = await TcpLineClient.connect(small.tcpPort);
    holder.send('first');
    await holder.waitForLine("status ! received 'first'");
    const refused = await TcpLineClient.connect(small.tcpPort);
    refused.send('let me in');
    await refused.waitForLine('status ! busy');
    await refused.waitForEnd();
    await holder.close();
    const drained = await Promise.race([
      small.drain().then(() => 'drained'),
      new Promise<string>((resolve) => setTimeout(() => resolve('drain still waiting for a refused socket after 3 s'), 3000).unref()),
    ]);
    expect(drained).toBe('drained');
  });
});
