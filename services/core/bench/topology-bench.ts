// Publish and fan-out throughput of the RedisBroker on one Redis vs a 3-master Redis Cluster
// (sharded pub/sub), rooms spread over the shards; reported as a ratio, since this machine is
// shared and noisy. Every process runs on this host: the cluster's gain needs cores (or hosts)
// for its masters, so on a small box the ratio mostly shows the cost of the extra processes.
// Usage: npx tsx services/core/bench/topology-bench.ts [--messages 20000] [--rooms 64]
import { startRedisCluster, startRedisServer } from '@chat/testkit';
import { RedisBroker, RoomHub, type RedisBrokerOptions } from '../src/index.js';

type RedisTopology = NonNullable<RedisBrokerOptions['topology']>;

const arg = (name: string, fallback: number): number => {
  const index = process.argv.indexOf(`--${name}`);
  return index > 0 ? Number(process.argv[index + 1]) : fallback;
};
const MESSAGES = arg('messages', 20_000);
const ROOMS = arg('rooms', 64);
const IN_FLIGHT = 256;
const TEXT = 'x'.repeat(100);

interface Figures {
  publishPerSec: number;
  deliveriesPerSec: number;
}

/** Two broker nodes, each subscribed to every room; node A publishes round-robin over the rooms. */
async function run(topology: RedisTopology): Promise<Figures> {
  const options = (nodeId: string): RedisBrokerOptions => ({ historySize: 1000, presenceTtlMs: 15_000, topology, nodeId });
  const nodes = [new RedisBroker(options('bench-a')), new RedisBroker(options('bench-b'))];
  await Promise.all(nodes.map((node) => node.start(15_000)));
  const rooms = Array.from({ length: ROOMS }, (_, i) => `bench-${process.pid}-${i}`);
  let delivered = 0;
  for (const node of nodes) {
    const hub = new RoomHub(node, { nodeId: node === nodes[0] ? 'bench-a' : 'bench-b', firstPageSize: 0, maxResume: 0 });
    for (const room of rooms) await hub.listen(room, { onMessage: () => void (delivered += 1) });
  }
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < MESSAGES) {
      const i = next++;
      await nodes[0]!.publish(rooms[i % ROOMS]!, { nick: 'bench', text: TEXT, cid: `c${i}` });
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  const published = performance.now();
  while (delivered < MESSAGES * nodes.length) await new Promise((resolve) => setTimeout(resolve, 2));
  const done = performance.now();
  await Promise.all(nodes.map((node) => node.stop()));
  return {
    publishPerSec: (MESSAGES / (published - started)) * 1000,
    deliveriesPerSec: ((MESSAGES * nodes.length) / (done - started)) * 1000,
  };
}

const single = await startRedisServer({ use: 'local' });
let one: Figures;
try {
  one = await run({ mode: 'single', url: single.url });
} finally {
  await single.stop();
}
const cluster = await startRedisCluster();
let sharded: Figures;
try {
  sharded = await run({ mode: 'cluster', nodes: cluster.nodes });
} finally {
  await cluster.stop();
}
const row = (name: string, figures: Figures): string =>
  `${name.padEnd(22)} publish ${Math.round(figures.publishPerSec).toString().padStart(7)}/s   deliveries ${Math.round(figures.deliveriesPerSec).toString().padStart(7)}/s`;
console.log(`${MESSAGES} messages over ${ROOMS} rooms, 2 broker nodes subscribed to every room, ${IN_FLIGHT} publishes in flight`);
console.log(row('1 Redis', one));
console.log(row('cluster (3 masters)', sharded));
console.log(`ratio cluster / 1 Redis: publish ${(sharded.publishPerSec / one.publishPerSec).toFixed(2)}, deliveries ${(sharded.deliveriesPerSec / one.deliveriesPerSec).toFixed(2)}`);
process.exit(0);
