import { existsSync } from 'node:fs';
import { repoPath } from '../util/paths.js';
import { startBenchRedis } from './redis-server.js';
import { startNodeProcess, type NodeProcess } from './node-process.js';
import { sumHeapUsed } from './heap.js';
import type { ServerUnderTest, StartOptions } from './types.js';

/** The gateway's compiled entry point (built by `npx tsc -b services/core services/gateway`). */
export const GATEWAY_MAIN = repoPath('services/gateway/dist/main.js');

/** Our cluster: a fresh Redis and `nodes` gateway processes, clients spread over all of them. */
export async function startOurs(options: StartOptions): Promise<ServerUnderTest> {
  if (!existsSync(GATEWAY_MAIN)) throw new Error(`${GATEWAY_MAIN} is missing: build the gateway first`);
  const redis = await startBenchRedis();
  const nodes: NodeProcess[] = [];
  try {
    for (let i = 0; i < options.nodes; i++) {
      nodes.push(
        await startNodeProcess({
          name: `gateway-${i}`,
          args: [...options.nodeFlags, GATEWAY_MAIN],
          env: {
            REDIS_URL: redis.url,
            NODE_ID: `bench-${i}`,
            LOG_LEVEL: 'warn',
            RATE_SENDS_PER_SEC: '0',
            // All load comes from one client IP; the per-IP connection cap (default 1000) is off, as the rate limit is.
            MAX_CONNECTIONS_PER_IP: '0',
            DRAIN_TIMEOUT_MS: '2000',
          },
          stopGraceMs: 8000,
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
    kind: 'ours',
    protocol: 'json',
    urls: nodes.map((node) => `ws://127.0.0.1:${node.port}/ws`),
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
