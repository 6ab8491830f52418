import { Redis } from 'ioredis';
import type { ClientSpec } from '../gen/messages.js';
import type { GeneratorPool } from '../gen/pool.js';
import type { ServerUnderTest } from '../servers/types.js';
import { splitRate, type Layout } from '../scenarios/layout.js';
import { measureStep } from '../scenarios/step.js';
import { withPool } from '../scenarios/with-pool.js';
import { sleep } from '../util/wait.js';

async function withRedis<T>(port: number, body: (redis: Redis) => Promise<T>): Promise<T> {
  const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
  redis.on('error', () => undefined);
  try {
    return await body(redis);
  } finally {
    redis.disconnect();
  }
}

/** `INFO commandstats` as command → calls. */
export async function commandCalls(redis: Redis): Promise<Map<string, number>> {
  const info = await redis.info('commandstats');
  const calls = new Map<string, number>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+)/gm)) {
    if (match[1] && match[2]) calls.set(match[1], Number(match[2]));
  }
  return calls;
}

const WINDOW_MS = 1500;

function deltas(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const result: Record<string, number> = {};
  for (const [command, calls] of after) {
    const delta = calls - (before.get(command) ?? 0);
    if (delta > 0 && command !== 'info') result[command] = delta;
  }
  return result;
}

/** Redis commands per published message over a short window of chat traffic. */
export async function redisRoundTrips(server: ServerUnderTest, pool: GeneratorPool, layout: Layout, ratePerSec: number, fanout: number): Promise<Record<string, unknown>> {
  if (server.redisPort === undefined) return {};
  return withRedis(server.redisPort, async (redis) => {
    // A quiet window of the same length first: presence heartbeats also run scripts.
    const quietStart = await commandCalls(redis);
    await sleep(WINDOW_MS);
    const quietEnd = await commandCalls(redis);
    const busyStart = Date.now();
    const step = await measureStep(server, pool, splitRate(ratePerSec, layout), WINDOW_MS, fanout);
    const busyMs = Date.now() - busyStart;
    const after = await commandCalls(redis);
    const quiet = deltas(quietStart, quietEnd);
    const busy = deltas(quietEnd, after);
    const published = step.acks;
    const scripts = (record: Record<string, number>): number => (record.evalsha ?? 0) + (record.eval ?? 0) + (record.fcall ?? 0);
    return {
      redisWindow: {
        ratePerSec,
        sent: step.sent,
        acked: published,
        quietCommandDeltas: quiet,
        commandDeltas: busy,
        evalshaPerPublished: published > 0 ? scripts(busy) / published : null,
        // presence-add.lua runs 2 PEXPIREs and presence-sweep.lua 1 ZRANGEBYSCORE: those scripts are heartbeats.
        evalshaPerPublishedExcludingPresence: published > 0 ? (scripts(busy) - (busy.pexpire ?? 0) / 2 - (busy.zrangebyscore ?? 0)) / published : null,
        busyMs,
      },
    };
  });
}

/**
 * "A node with no member in a room receives none of its messages": PUBSUB NUMSUB of the room's
 * channel must be 1 when every member is on one node, and 2 when members are on both.
 */
export async function subscriptionFootprint(server: ServerUnderTest, channelOf: (room: string) => string): Promise<Record<string, unknown>> {
  const { redisPort } = server;
  if (redisPort === undefined || server.urls.length < 2) return {};
  const solo = `solo-${Date.now()}`;
  const split = `split-${Date.now()}`;
  const clients: ClientSpec[] = [];
  for (let i = 0; i < 10; i++) {
    clients.push({ url: server.urls[0] ?? '', protocol: server.protocol, room: solo, sender: false, slow: false, idle: false });
    clients.push({ url: server.urls[i % 2] ?? '', protocol: server.protocol, room: split, sender: false, slow: false, idle: false });
  }
  return withPool(1, async (pool) => {
    const opened = await pool.open([clients], 20);
    await sleep(300);
    return withRedis(redisPort, async (redis) => {
      const reply = (await redis.call('PUBSUB', 'NUMSUB', channelOf(solo), channelOf(split))) as unknown[];
      const numpat = await redis.call('PUBSUB', 'NUMPAT');
      return {
        subscriptions: {
          opened: opened.ok,
          soloRoomChannel: channelOf(solo),
          soloRoomSubscribers: Number(reply[1]),
          splitRoomSubscribers: Number(reply[3]),
          patternSubscriptions: Number(numpat),
        },
      };
    });
  });
}
