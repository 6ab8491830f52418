import { RedisBroker, type RoomListener } from '@chat/core';
import { startRedisServer, type RedisServer } from '@chat/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandStats } from '../../services/loadgen/src/checks/redis-commandstats.js';
import { roomsOf } from '../contract/room-layer.js';

const ROOMS = 20;
const MEMBERS_PER_ROOM = 100;
/** The default PRESENCE_TTL_MS: members are renewed every third of it. */
const PRESENCE_TTL_MS = 15_000;
const WINDOW_MS = 10_000;

/** Every command Redis ran, those inside scripts included (INFO commandstats). */
async function commandsRun(admin: Redis): Promise<number> {
  let total = 0;
  for (const { calls } of parseCommandStats(await admin.info('commandstats')).values()) total += calls;
  return total;
}

const idle: RoomListener = { onMessage: () => undefined };

describe('presence that costs per room, not per member', () => {
  let server: RedisServer;
  let admin: Redis;
  const brokers: RedisBroker[] = [];

  beforeAll(async () => {
    server = await startRedisServer();
    admin = server.client();
  });
  afterAll(async () => {
    await Promise.allSettled(brokers.map((broker) => broker.stop()));
    await server.stop();
  });

  it('2,000 idle members in 20 rooms on one node cost Redis at most 50 commands a second, and another node lists them all', async () => {
    const node = new RedisBroker({ url: server.url, nodeId: 'busy', historySize: 100, presenceTtlMs: PRESENCE_TTL_MS });
    const reader = new RedisBroker({ url: server.url, nodeId: 'reader', historySize: 100, presenceTtlMs: PRESENCE_TTL_MS });
    brokers.push(node, reader);
    await Promise.all([node.start(), reader.start()]);
    const rooms = Array.from({ length: ROOMS }, (_, index) => `idle-${index}`);
    for (const room of rooms) {
      await roomsOf(node).listen(room, idle);
      await Promise.all(Array.from({ length: MEMBERS_PER_ROOM }, (_, index) => node.presenceAdd(room, { id: `busy:${room}:${index}`, nick: `m${index}`, node: 'busy' })));
    }

    const before = await commandsRun(admin);
    const startedAt = Date.now();
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const perSecond = ((await commandsRun(admin)) - before) / ((Date.now() - startedAt) / 1000);
    console.log(`idle presence: ${ROOMS * MEMBERS_PER_ROOM} members in ${ROOMS} rooms cost Redis ${perSecond.toFixed(1)} commands/s`);
    expect(perSecond).toBeLessThanOrEqual(50);

    const summaries = await Promise.all(rooms.map((room) => reader.presenceSummary(room, 10)));
    expect(summaries.map((summary) => summary.count)).toEqual(rooms.map(() => MEMBERS_PER_ROOM));
    expect(summaries.every((summary) => summary.members.length === 10)).toBe(true);
  }, 60_000);
});
