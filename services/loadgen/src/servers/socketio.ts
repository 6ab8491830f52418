import { repoPath } from '../util/paths.js';
import { startBenchRedis } from './redis-server.js';
import { startNodeProcess, type NodeProcess } from './node-process.js';
import { sumHeapUsed } from './heap.js';
import type { ServerUnderTest, StartOptions } from './types.js';

const ENTRY = repoPath('services/loadgen/src/peers/socketio-server.ts');

/** The peer: Socket.IO 4 + @socket.io/redis-adapter, `nodes` processes on a fresh Redis. */
export async function startSocketIo(options: StartOptions): Promise<ServerUnderTest> {
  const redis = await startBenchRedis();
  const nodes: NodeProcess[] = [];
  try {
    for (let i = 0; i < options.nodes; i++) {
      nodes.push(
        await startNodeProcess({
          name: `socketio-${i}`,
          args: ['--import', 'tsx', ...options.nodeFlags, ENTRY],
          env: { REDIS_URL: redis.url, NODE_ID: `sio-${i}` },
        }),
      );
    }
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.stop();
    throw error;
  }
  const httpUrls = nodes.map((node) => `http://127.0.0.1:${node.port}`);
  return {
    kind: 'socketio',
    protocol: 'sio',
    urls: nodes.map((node) => `ws://127.0.0.1:${node.port}/socket.io/?EIO=4&transport=websocket`),
    httpUrls,
    redisPort: redis.port,
    maxConnectionsPerNode: 19_500,
    pids: () => [...nodes.map((node) => node.pid), redis.pid],
    nodePids: () => nodes.map((node) => node.pid),
    heapUsedBytes: () => sumHeapUsed(httpUrls),
    deaths: () => nodes.flatMap((node) => node.death() ?? []),
    stop: async () => {
      await Promise.all(nodes.map((node) => node.stop()));
      await redis.stop();
    },
  };
}
