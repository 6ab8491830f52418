import { describe, expect, it } from 'vitest';
import { RedisBroker } from '@chat/core';
import type { OccupancyEvent } from '@chat/protocol';
import { call, ofType } from './chat-features-support.js';
import { useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { Resources } from './helpers/resources.js';

const resources = new Resources();
let a: TestNode;
let b: TestNode;
let redisUrl: string;
useTwoNodes(resources, {}, (nodes) => {
  ({ a, b } = nodes);
  redisUrl = nodes.redis.url;
});

const MEMBERS = 5000;

interface PresencePage {
  readonly count: number;
  readonly members: ReadonlyArray<{ readonly nick: string }>;
  readonly next?: string;
}

describe('presence that scales', () => {
  it('a 5,000-member room sends occupancy counts every 2 s at most, not 5,000 presence events; joined lists 100; GET presence pages', async () => {
    const room = 'big-room';
    const watcher = resources.track(await JsonWsClient.connect(a.ws, { nick: 'watcher' }));
    await watcher.join(room);
    // Members that come and go by themselves (like long-poll clients), added straight to Redis.
    const crowd = new RedisBroker({ url: redisUrl, nodeId: 'crowd', historySize: 10, presenceTtlMs: 60_000 });
    await crowd.start();
    resources.track({ close: () => crowd.stop() });
    const startedAt = Date.now();
    for (let first = 0; first < MEMBERS; first += 500) {
      await Promise.all(
        Array.from({ length: 500 }, (_, i) => crowd.presenceTouch(room, { id: `crowd:${first + i}`, nick: `member-${String(first + i).padStart(4, '0')}`, node: 'crowd' }, 60_000)),
      );
    }
    const last = await watcher.next((event): event is OccupancyEvent => event.type === 'occupancy' && event.count === MEMBERS + 1, { timeoutMs: 20_000 });
    expect(last.room).toBe(room);
    const elapsedMs = Date.now() - startedAt;
    const presenceEvents = watcher.frames.items.filter(ofType('presence', room));
    const occupancyEvents = watcher.frames.items.filter(ofType('occupancy', room));
    expect(presenceEvents.length).toBeLessThanOrEqual(200);
    expect(occupancyEvents.length).toBeLessThanOrEqual(Math.ceil(elapsedMs / 2000) + 1);

    const late = resources.track(await JsonWsClient.connect(b.ws, { nick: 'late' }));
    const joined = await late.join(room);
    expect(joined.presence).toHaveLength(100);
    expect(joined.occupancy).toBe(MEMBERS + 2);

    const nicks = new Set<string>();
    let query = 'limit=1000';
    for (let pages = 0; pages < 10; pages++) {
      const { status, body } = await call<PresencePage>(b.http, 'GET', `/rooms/${room}/presence?${query}`);
      expect(status).toBe(200);
      expect(body.count).toBe(MEMBERS + 2);
      for (const member of body.members) nicks.add(member.nick);
      if (body.next === undefined) break;
      query = `limit=1000&after=${encodeURIComponent(body.next)}`;
    }
    expect(nicks.size).toBe(MEMBERS + 2);
  });
});
