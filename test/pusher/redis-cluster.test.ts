import { startRedisCluster, type LocalRedisCluster } from '@chat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { pusherEnv, serverSdk } from './support/pusher-cluster.js';
import { collect, subscribed, useSignedClients } from './support/pusher-client.js';

let redis: LocalRedisCluster;
let a: TestNode;
let b: TestNode;
const client = useSignedClients();

beforeAll(async () => {
  redis = await startRedisCluster();
  const seeds = { REDIS_CLUSTER_NODES: redis.nodes.map(({ host, port }) => `${host}:${port}`).join(',') };
  a = await startNode('cluster-a', undefined, pusherEnv(seeds));
  b = await startNode('cluster-b', undefined, pusherEnv(seeds));
});

afterAll(async () => {
  await a?.drain();
  await b?.drain();
  await redis?.stop();
});

describe('the Pusher protocol on a Redis Cluster (sharded pub/sub, one slot per app)', () => {
  it('events, presence and client events cross the two nodes', async () => {
    const news = collect<{ n: number }>(await subscribed(client(a.port), 'news'), 'item');
    for (let n = 0; n < 5; n += 1) await serverSdk(b.port).trigger('news', 'item', { n });
    await news.waitForCount(5);
    expect(news.items.map((item) => item.n)).toEqual([0, 1, 2, 3, 4]);

    const ada = await subscribed(client(a.port, 'ada'), 'presence-ops');
    const bob = await subscribed(client(b.port, 'bob'), 'presence-ops');
    const waves = collect<unknown>(bob, 'client-wave');
    ada.trigger('client-wave', { from: 'ada' });
    await waves.waitForCount(1);
    const users = (await (await serverSdk(a.port).get({ path: '/channels/presence-ops/users' })).json()) as { users: Array<{ id: string }> };
    expect(users.users.map((user) => user.id).sort()).toEqual(['ada', 'bob']);
  });
});
