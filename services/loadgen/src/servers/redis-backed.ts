import { startBenchRedis, type BenchRedis } from './redis-server.js';
import { startNodeProcess, type NodeLaunch, type NodeProcess } from './node-process.js';
import { sumHeapUsed } from './heap.js';
import type { ServerKind, ServerUnderTest, StartOptions, WireProtocol } from './types.js';

export interface RedisBackedServer {
  readonly kind: ServerKind;
  readonly protocol: WireProtocol;
  /** Path and query of the WebSocket endpoint on every node. */
  readonly wsPath: string;
  /** How to launch node `index` against `redis`. */
  readonly launch: (index: number, redis: BenchRedis) => NodeLaunch;
}

/** A fresh Redis and `options.nodes` node processes on it (ours or the Socket.IO peer); all stopped on failure. */
export async function startRedisBacked(server: RedisBackedServer, options: StartOptions): Promise<ServerUnderTest> {
  const redis = await startBenchRedis();
  const nodes: NodeProcess[] = [];
  try {
    for (let i = 0; i < options.nodes; i++) nodes.push(await startNodeProcess(server.launch(i, redis)));
  } catch (error) {
    await Promise.all(nodes.map((node) => node.stop()));
    await redis.stop();
    throw error;
  }
  const httpUrls = nodes.map((node) => `http://127.0.0.1:${node.port}`);
  return {
    kind: server.kind,
    protocol: server.protocol,
    urls: nodes.map((node) => `ws://127.0.0.1:${node.port}${server.wsPath}`),
    httpUrls,
    inspectorPorts: nodes.flatMap((node) => (node.inspectorPort === undefined ? [] : [node.inspectorPort])),
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
