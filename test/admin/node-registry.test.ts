import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBackend, MemoryBroker, RedisBroker, type Broker } from '@chat/core';
import { eventually, startRedisServer, type RedisServer } from '@chat/testkit';

const TTL_MS = 400;
const options = { historySize: 100, presenceTtlMs: TTL_MS };

type BrokerPair = () => Promise<{ a: Broker; b: Broker; close: () => Promise<void> }>;

let redis: RedisServer;
beforeAll(async () => {
  redis = await startRedisServer();
});
afterAll(async () => {
  await redis?.stop();
});

const pairs: Array<[string, BrokerPair]> = [
  [
    'memory',
    async () => {
      const backend = new MemoryBackend();
      const a = new MemoryBroker({ ...options, backend });
      const b = new MemoryBroker({ ...options, backend });
      await Promise.all([a.start(), b.start()]);
      return { a, b, close: async () => void (await Promise.allSettled([a.stop(), b.stop()])) };
    },
  ],
  [
    'redis',
    async () => {
      const a = new RedisBroker({ ...options, url: redis.url, nodeId: 'reg-a' });
      const b = new RedisBroker({ ...options, url: redis.url, nodeId: 'reg-b' });
      await Promise.all([a.start(), b.start()]);
      return { a, b, close: async () => void (await Promise.allSettled([a.stop(), b.stop()])) };
    },
  ],
];

describe.each(pairs)('node registry on the %s broker', (_name, makePair) => {
  it('lists every node that beats, with its state and heartbeat age, to every node', async () => {
    const { a, b, close } = await makePair();
    try {
      await a.nodeHeartbeat('node-a', '{"n":1}');
      await b.nodeHeartbeat('node-b', '{"n":2}');
      for (const broker of [a, b]) {
        const nodes = await broker.nodeList();
        expect(nodes.map((node) => [node.id, node.state])).toEqual([['node-a', '{"n":1}'], ['node-b', '{"n":2}']]);
        for (const node of nodes) expect(node.ageMs).toBeGreaterThanOrEqual(0);
      }
    } finally {
      await close();
    }
  });

  it('drops a node whose heartbeats stop once the TTL has passed, and a cleanly stopped node at once', async () => {
    const { a, b, close } = await makePair();
    try {
      await a.nodeHeartbeat('node-a', '{}');
      await b.nodeHeartbeat('node-b', '{}');
      await b.stop();
      expect((await a.nodeList()).map((node) => node.id)).toEqual(['node-a']);
      const started = Date.now();
      await eventually(async () => (await a.nodeList()).length === 0, { timeoutMs: 5000, what: 'node-a to expire' });
      expect(Date.now() - started).toBeGreaterThanOrEqual(TTL_MS - 100);
    } finally {
      await close();
    }
  });
});
