import { eventually, startRedisServer, type RedisServer } from '@chat/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appKeys } from '../../services/gateway/src/pusher/redis-keys.js';
import { collect, connected, disconnect, pusherClient, subscribed, type Pusher } from '../pusher/support/pusher-client.js';
import { APP, pusherEnv, serverSdk } from '../pusher/support/pusher-cluster.js';
import { startNode, type TestNode } from './helpers/gateway-nodes.js';
import { fetchJson, postMessage } from './helpers/http-client.js';
import { Resources } from './helpers/resources.js';
import { EventStreamReader, streamUrl } from './support/event-stream-reader.js';

const NODE_ID = 'node-conns';
/** Enough rooms that a stream's plain cursor is too long: its cursors are compact, their positions stored in Redis. */
const ROOMS = Array.from({ length: 50 }, (_, index) => `conns-room-${String(index).padStart(2, '0')}`);
const PUSHER_CHANNEL = 'orders';

const resources = new Resources();
let redis: RedisServer;
let inspector: Redis;
let node: TestNode;

beforeAll(async () => {
  redis = await startRedisServer();
  inspector = redis.client();
  // The node keeps its clients through the restart rather than moving them elsewhere.
  node = await startNode(NODE_ID, redis.url, pusherEnv({ BROKER_LOSS_GRACE_MS: '60000' }));
  resources.track({ close: () => node.drain() });
  await readiness(200);
});
afterAll(async () => {
  await resources.closeAll();
  await redis?.stop();
});

/** The names of the Redis clients this node holds open (CLIENT LIST, by connection name). */
async function nodeConnectionNames(): Promise<string[]> {
  const list = String(await inspector.call('CLIENT', 'LIST'));
  const names = list.split('\n').flatMap((line) => /(?:^| )name=(\S*)/.exec(line)?.[1] ?? []);
  return names.filter((name) => name.startsWith(`chat-${NODE_ID}`)).sort();
}

async function readiness(status: 200 | 503): Promise<void> {
  await eventually(async () => (await fetchJson(`${node.http}/readyz`)).status === status, { timeoutMs: 15_000, what: `/readyz ${status}` });
}

/**
 * A 50-room SSE stream hands out a compact cursor (its snapshot SET in Redis); a message posted
 * after it is replayed to a stream that resumes from that cursor (the snapshot read back).
 */
async function resumeFromStoredCursor(tag: string): Promise<void> {
  const first = resources.track(new EventStreamReader('sse', streamUrl(node.http, 'sse', ROOMS, { nick: 'reader' })));
  await first.until(() => first.events.filter(({ event }) => event.type === 'joined').length === ROOMS.length, 'every room joined');
  const cursor = first.lastCursor() ?? '';
  expect(cursor).toMatch(/^2\./);
  first.close();
  expect(await inspector.keys('chat:cursor:*')).not.toHaveLength(0);
  const text = `${tag}-missed`;
  expect((await postMessage(node.http, ROOMS[7] ?? '', { text, nick: 'poster' })).status).toBe(201);
  const second = resources.track(new EventStreamReader('sse', streamUrl(node.http, 'sse', ROOMS, { nick: 'reader', cursor })));
  await second.next((event) => (event.type === 'joined' && event.messages.some((message) => message.text === text)) || (event.type === 'message' && event.text === text));
  second.close();
}

describe('one pair of Redis connections per node', () => {
  it('a node with Redis and a Pusher app holds 2 connections, and cursors and Pusher events work through them after a Redis restart', async () => {
    const client: Pusher = pusherClient(node.port);
    resources.track({ close: () => disconnect(client) });
    await connected(client);
    const placed = collect<{ n: number }>(await subscribed(client, PUSHER_CHANNEL), 'placed');
    await serverSdk(node.port).trigger(PUSHER_CHANNEL, 'placed', { n: 1 });
    await placed.waitForCount(1);
    await resumeFromStoredCursor('before');
    // The broker, the cursor store and the Pusher backend have all used Redis: still one pair.
    expect(await nodeConnectionNames()).toEqual([`chat-${NODE_ID}`, `chat-${NODE_ID}-sub`]);

    await redis.kill();
    await readiness(503);
    await redis.start();
    await readiness(200);
    // The Pusher backend subscribed its channel again on the node's one subscriber.
    const pubsub = appKeys('chat:', APP.id).pubsub(PUSHER_CHANNEL);
    await eventually(async () => ((await inspector.call('PUBSUB', 'NUMSUB', pubsub)) as [string, number])[1] === 1, { what: 'the Pusher channel subscribed again' });
    await serverSdk(node.port).trigger(PUSHER_CHANNEL, 'placed', { n: 2 });
    expect((await placed.waitForCount(2)).map(({ n }) => n)).toEqual([1, 2]);
    await resumeFromStoredCursor('after');
    expect(await nodeConnectionNames()).toEqual([`chat-${NODE_ID}`, `chat-${NODE_ID}-sub`]);
  });

  it('a drain lets the broker clean up over the shared connections, then closes them', async () => {
    const seen = (): Promise<string | null> => inspector.zscore('chat:{nodes}:seen', NODE_ID);
    await eventually(async () => (await seen()) !== null, { what: 'the node in the registry' });
    await node.drain();
    expect(await seen()).toBeNull();
    await eventually(async () => (await nodeConnectionNames()).length === 0, { what: "the node's connections closed" });
  });
});
