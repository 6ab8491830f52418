import type { Socket } from 'node:net';
import type { ErrorEvent, ServerEvent } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import { signToken } from '../../services/gateway/src/auth/token.js';
import { ofType, postTyping } from '../gateway/chat-features-support.js';
import { isError } from '../gateway/helpers/frames.js';
import { startNode, useTwoNodes, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { PollClient, postMessage } from '../gateway/helpers/http-client.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { Resources } from '../gateway/helpers/resources.js';
import type { RedisServer } from '@chat/testkit';
import { httpRequest, type HttpAnswer } from './helpers/probes.js';

const SECRET = 'budgets-test-secret-0123';
const READ_BURST = 10;
const FRAME_BURST = 20;
const QUIET = { PRESENCE_TTL_MS: '60000', REDIS_PING_INTERVAL_MS: '0' };
const resources = new Resources();
let redis: RedisServer;
/** Anonymous, with the budgets under test. */
let open: TestNode;
/** The same budgets for cheap frames switched off: the baseline of the nick flood. */
let unbudgeted: TestNode;
useTwoNodes(resources, { ...QUIET, RATE_READS_PER_SEC: '2', RATE_READS_BURST: String(READ_BURST), RATE_FRAMES_PER_SEC: '10', RATE_FRAMES_BURST: String(FRAME_BURST) }, (nodes) => {
  ({ redis, a: open } = nodes);
});

async function node(id: string, settings: Record<string, string>): Promise<TestNode> {
  const started = await startNode(id, redis.url, { ...QUIET, ...settings });
  resources.track({ close: () => started.drain() });
  return started;
}

const get = (target: TestNode, path: string, localAddress: string, token?: string): Promise<HttpAnswer> =>
  httpRequest(target, path, { localAddress, ...(token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } }) });

/** GETs until the first 429: how many were served, and that 429. */
async function readUntilRefused(target: TestNode, paths: readonly string[], localAddress: string, token?: string, max = 400): Promise<{ served: number; refused: HttpAnswer | undefined }> {
  for (let index = 0; index < max; index++) {
    const answer = await get(target, paths[index % paths.length] ?? '/', localAddress, token);
    if (answer.status === 429) return { served: index, refused: answer };
    expect(answer.status).toBe(200);
  }
  return { served: max, refused: undefined };
}

async function commandsProcessed(): Promise<number> {
  const info = await redis.client().info('stats');
  return Number(/total_commands_processed:(\d+)/.exec(info)?.[1] ?? NaN);
}

describe('HTTP read budget (RATE_READS_*)', () => {
  const paths = ['/rooms/reads/messages', '/rooms/reads/presence', '/poll?rooms=reads'];

  it('an address that floods history, presence and poll gets 429 with Retry-After; another address is still served', async () => {
    const flood = await readUntilRefused(open, paths, '127.0.0.21');
    expect(flood.served).toBeGreaterThanOrEqual(READ_BURST);
    expect(flood.served).toBeLessThan(READ_BURST + 5);
    expect(flood.refused?.status).toBe(429);
    expect(Number(flood.refused?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const body = JSON.parse(flood.refused?.body ?? '{}') as { error?: { code?: string; retryAfterMs?: number } };
    expect(body.error?.code).toBe('rate_limited');
    expect(body.error?.retryAfterMs).toBeGreaterThan(0);
    for (const path of paths) expect((await get(open, path, '127.0.0.22')).status, path).toBe(200);
    console.log(JSON.stringify({ budget: 'anonymous reads', servedBefore429: flood.served, of: 400 }));
  });

  it('with auth the budget is the user\'s, whatever the address; another user is served', async () => {
    const authed = await node('reads-auth', { AUTH_SECRET: SECRET, RATE_READS_PER_SEC: '2', RATE_READS_BURST: String(READ_BURST) });
    const alice = await signToken({ sub: 'alice' }, SECRET);
    const flood = await readUntilRefused(authed, paths, '127.0.0.23', alice);
    expect(flood.refused?.status).toBe(429);
    expect((await get(authed, paths[0] ?? '', '127.0.0.24', alice)).status).toBe(429);
    expect((await get(authed, paths[0] ?? '', '127.0.0.23', await signToken({ sub: 'bob' }, SECRET))).status).toBe(200);
  });
});

describe('per-connection budgets of cheap frames (RATE_FRAMES_*)', () => {
  /** A client in `rooms` rooms sends `count` nick frames in one write; resolves what it got and what Redis did. */
  async function nickFlood(target: TestNode, rooms: number, count: number): Promise<{ commands: number; renamed: number; limited: number; close: number | undefined }> {
    const client = resources.track(await JsonWsClient.connect(target.ws, { nick: 'flooder' }));
    for (let index = 0; index < rooms; index++) await client.join(`nick-flood-${target.id}-${index}`);
    const from = client.mark();
    const before = await commandsProcessed();
    const raw = (client.socket as unknown as { _socket: Socket })._socket;
    raw.cork();
    for (let index = 0; index < count; index++) client.sendRaw(JSON.stringify({ type: 'nick', nick: `flood-${index}` }));
    raw.uncork();
    const answered = (frames: readonly ServerEvent[]): boolean => frames.slice(from).filter((frame) => frame.type === 'nick' || frame.type === 'error').length >= count;
    await Promise.race([client.frames.waitFor(answered, { timeoutMs: 20_000, what: 'an answer to every nick frame' }), client.waitForClose(20_000)]);
    const commands = (await commandsProcessed()) - before - 1;
    const frames = client.frames.items.slice(from);
    return {
      commands,
      renamed: frames.filter((frame) => frame.type === 'nick').length,
      limited: frames.filter((frame): frame is ErrorEvent => isError(frame, 'rate_limited')).length,
      close: client.closedWith?.code,
    };
  }

  it('a nick flood in 20 rooms is refused before Redis (rate_limited, then close 4029): a fraction of the Redis commands', async () => {
    unbudgeted = await node('frames-off', { RATE_FRAMES_PER_SEC: '0' });
    const baseline = await nickFlood(unbudgeted, 20, 200);
    const flood = await nickFlood(open, 20, 200);
    expect(baseline.renamed).toBe(200);
    expect(flood.limited).toBeGreaterThanOrEqual(1);
    expect(flood.renamed).toBeLessThanOrEqual(2);
    expect(flood.close).toBe(4029);
    expect(flood.commands).toBeLessThan(baseline.commands / 20);
    console.log(JSON.stringify({ budget: 'nick flood, 20 rooms, 200 frames', redisCommandsWithout: baseline.commands, redisCommandsWith: flood.commands, renamedWith: flood.renamed }));
  });

  it('read needs a joined room; read, typing and history frames past their budget get rate_limited with retryAfterMs', async () => {
    const client = resources.track(await JsonWsClient.connect(open.ws, { nick: 'reader' }));
    expect((await client.expectError({ type: 'read', room: 'never-joined', offset: 1 })).code).toBe('not_joined');
    await client.join('cheap');
    const sent = await client.say('cheap', 'one');
    for (let index = 0; index < FRAME_BURST; index++) await client.request({ type: 'history', room: 'cheap', before: sent.offset + 1 }, ofType('history'));
    const refused = await client.expectError({ type: 'history', room: 'cheap', before: sent.offset + 1 });
    expect(refused).toMatchObject({ code: 'rate_limited', for: 'history' });
    expect(refused.retryAfterMs).toBeGreaterThan(0);
    expect(client.isOpen).toBe(true);
  });
});

describe('typing over HTTP', () => {
  it('is limited per address, not per nick: a caller that changes its nick each time is relayed once a second', async () => {
    const watcher = resources.track(await JsonWsClient.connect(open.ws, { nick: 'watcher' }));
    await watcher.join('typing-nicks');
    const from = watcher.mark();
    for (let index = 0; index < 10; index++) {
      expect(await postTyping(open.http, 'typing-nicks', `typist-${index}`)).toBe(204);
    }
    // A typist from another address, after them: signals of one node reach a room in order, so once
    // its notice arrived every earlier one that was relayed has too.
    const marker = await httpRequest(open, '/rooms/typing-nicks/typing?nick=marker', { method: 'POST', localAddress: '127.0.0.31' });
    expect(marker.status).toBe(204);
    await watcher.next((frame): frame is ServerEvent => frame.type === 'typing' && frame.nick === 'marker', { from });
    const relayed = watcher.frames.items.slice(from).filter((frame) => frame.type === 'typing' && frame.nick !== 'marker');
    expect(relayed.length).toBe(1);
  });
});

describe('a long-poll answer is bounded by SEND_BUFFER_BYTES', () => {
  it('a poll that owes 60 KB answers in pieces of about 4 KB, and the polls that follow resume exactly', async () => {
    const capped = await node('poll-cap', { SEND_BUFFER_BYTES: '4096' });
    const room = 'poll-cap';
    const poller = new PollClient(room);
    await poller.pollOnce(capped.http);
    const texts = Array.from({ length: 60 }, (_, index) => `${String(index).padStart(3, '0')} ${'x'.repeat(1000)}`);
    for (const text of texts) expect((await postMessage(capped.http, room, { text, nick: 'writer' })).status).toBe(201);
    const sizes: number[] = [];
    while (poller.messages(room).length < texts.length && sizes.length < 40) {
      const answer = await httpRequest(capped, `/poll?rooms=${room}&timeout=1&cursor=${encodeURIComponent(poller.cursor ?? '')}`);
      expect(answer.status).toBe(200);
      sizes.push(Buffer.byteLength(answer.body));
      const body = JSON.parse(answer.body) as { cursor: string; events: ServerEvent[] };
      poller.cursor = body.cursor;
      poller.events.push(...body.events);
    }
    expect(poller.messages(room).map((message) => message.text)).toEqual(texts);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4096 + 512);
    console.log(JSON.stringify({ budget: 'poll byte cap 4096', polls: sizes.length, largestAnswerBytes: Math.max(...sizes), owedBytes: texts.length * 1000 }));
  });
});
