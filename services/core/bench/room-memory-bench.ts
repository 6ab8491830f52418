/**
 * What a room costs in Redis memory: rooms filled with HISTORY_SIZE messages of a typical size,
 * used_memory before and after, per room and per stored message. For sizing HISTORY_SIZE × rooms
 * (docs/REDIS-TOPOLOGIES.md). `npm run bench:room-memory`.
 */
import { startRedisServer } from '@chat/testkit';
import { RedisBroker } from '../src/index.js';

const ROOMS = 50;
const TEXT_BYTES = [20, 100, 400];
const HISTORY_SIZES = [100, 1000];

async function usedMemory(admin: ReturnType<Awaited<ReturnType<typeof startRedisServer>>['client']>): Promise<number> {
  const info = await admin.info('memory');
  return Number(/^used_memory:(\d+)/m.exec(info)?.[1] ?? 0);
}

async function main(): Promise<void> {
  const server = await startRedisServer({ use: 'local' });
  const admin = server.client();
  const rows: string[] = [];
  try {
    for (const historySize of HISTORY_SIZES) {
      for (const textBytes of TEXT_BYTES) {
        await admin.flushall();
        const broker = new RedisBroker({ url: server.url, nodeId: 'bench', historySize, presenceTtlMs: 15_000, roomTtlMs: 86_400_000 });
        await broker.start();
        const before = await usedMemory(admin);
        const text = 'x'.repeat(textBytes);
        for (let room = 0; room < ROOMS; room++) {
          const name = `memory-bench-${room}`;
          for (let first = 0; first < historySize; first += 200) {
            await Promise.all(Array.from({ length: Math.min(200, historySize - first) }, (_, i) => broker.publish(name, { nick: 'someone', text, cid: `c-${first + i}` })));
          }
          await broker.markRead(name, 'reader', historySize);
        }
        const perRoom = ((await usedMemory(admin)) - before) / ROOMS;
        rows.push(`| ${historySize} | ${textBytes} | ${(perRoom / 1024).toFixed(1)} KB | ${(perRoom / historySize).toFixed(0)} B |`);
        await broker.stop();
      }
    }
  } finally {
    await server.stop();
  }
  console.log('| HISTORY_SIZE | text bytes | Redis memory per full room | per stored message |\n|---|---|---|---|');
  console.log(rows.join('\n'));
}

await main();
