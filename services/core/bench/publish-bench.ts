// Publish throughput of each broker and Redis round trips per publish, with a raw ioredis PUBLISH
// loop on the same server as the baseline (figures are ratios: this machine is shared and noisy).
// Usage: npm run bench:broker [-- --messages 20000]
import { startRedisServer } from '@chat/testkit';
import { Redis } from 'ioredis';
import { MemoryBroker, RedisBroker, RoomHub, type Broker, type RoomMessage } from '../src/index.js';

const argIndex = process.argv.indexOf('--messages');
const MESSAGES = argIndex > 0 ? Number(process.argv[argIndex + 1]) : 20_000;
const IN_FLIGHT = 256;
const TEXT = 'x'.repeat(100);

/** Runs `count` operations with at most IN_FLIGHT outstanding; returns operations per second. */
async function throughput(count: number, operation: (i: number) => Promise<unknown>): Promise<number> {
  const started = performance.now();
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) await operation(next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return (count / (performance.now() - started)) * 1000;
}

async function brokerRun(broker: Broker, room: string): Promise<{ perSec: number; delivered: number }> {
  let delivered = 0;
  let lastOffset = 0;
  let inOrder = true;
  await new RoomHub(broker, { nodeId: 'bench', firstPageSize: 0, maxResume: 0 }).listen(room, {
    onMessage: (message: RoomMessage) => {
      delivered += 1;
      if (message.offset !== lastOffset + 1) inOrder = false;
      lastOffset = message.offset;
    },
  });
  const perSec = await throughput(MESSAGES, (i) => broker.publish(room, { nick: 'bench', text: TEXT, cid: `c${i}` }));
  while (delivered < MESSAGES) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!inOrder) throw new Error('delivery out of order');
  return { perSec, delivered };
}

async function commandStats(admin: Redis): Promise<{ total: number; evalsha: number }> {
  const stats = await admin.info('stats');
  const commands = await admin.info('commandstats');
  const total = Number(/total_commands_processed:(\d+)/.exec(stats)?.[1] ?? 0);
  const evalsha = Number(/cmdstat_evalsha:calls=(\d+)/.exec(commands)?.[1] ?? 0);
  return { total, evalsha };
}

const server = await startRedisServer({ use: 'local' });
const url = server.url;
try {
  const admin = new Redis(url);
  const raw = new Redis(url, { enableAutoPipelining: true });
  const payload = JSON.stringify({ nick: 'bench', text: TEXT, ts: Date.now() });
  const baseline = await throughput(MESSAGES, () => raw.publish('bench:baseline', payload));

  const memory = new MemoryBroker({ historySize: 1000, presenceTtlMs: 15_000 });
  await memory.start();
  const memoryRun = await brokerRun(memory, 'bench-memory');
  await memory.stop();

  const redis = new RedisBroker({ url, nodeId: 'bench', historySize: 1000, presenceTtlMs: 15_000 });
  await redis.start();
  const warm = await redis.publish('bench-warm', { nick: 'bench', text: 'warm' });
  const before = await commandStats(admin);
  const redisRun = await brokerRun(redis, `bench-redis-${warm.epoch}`);
  const after = await commandStats(admin);
  await redis.stop();
  // The two INFO calls are admin's own; the rest ran inside publish.lua (EVALSHA counts once).
  const commandsExecutedPerPublish = (after.total - before.total - 2) / MESSAGES;
  const evalshaPerPublish = (after.evalsha - before.evalsha) / MESSAGES;

  const rows = [
    { run: 'raw ioredis PUBLISH (baseline)', 'msgs/s': Math.round(baseline), 'vs baseline': '1.00' },
    { run: 'MemoryBroker.publish + delivery', 'msgs/s': Math.round(memoryRun.perSec), 'vs baseline': (memoryRun.perSec / baseline).toFixed(2) },
    { run: 'RedisBroker.publish + delivery', 'msgs/s': Math.round(redisRun.perSec), 'vs baseline': (redisRun.perSec / baseline).toFixed(2) },
  ];
  console.table(rows);
  console.log(JSON.stringify({ messages: MESSAGES, inFlight: IN_FLIGHT, roundTripsPerPublish: evalshaPerPublish, redisCommandsExecutedPerPublish: commandsExecutedPerPublish, rows }));
  admin.disconnect();
  raw.disconnect();
} finally {
  await server.stop();
}
