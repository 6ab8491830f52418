import { existsSync } from 'node:fs';
import { repoPath } from '../util/paths.js';
import { startRedisBacked } from './redis-backed.js';
import type { ServerUnderTest, StartOptions } from './types.js';

/** The gateway's compiled entry point (built by `npx tsc -b services/core services/gateway`). */
export const GATEWAY_MAIN = repoPath('services/gateway/dist/main.js');

/** Our cluster: a fresh Redis and `nodes` gateway processes, clients spread over all of them. */
export async function startOurs(options: StartOptions, kind: 'ours' | 'baseline' = 'ours'): Promise<ServerUnderTest> {
  const main = options.gatewayMain ?? GATEWAY_MAIN;
  if (!existsSync(main)) throw new Error(`${main} is missing: build the gateway first`);
  return startRedisBacked(
    {
      kind,
      protocol: 'json',
      wsPath: '/ws',
      launch: (i, redis) => ({
        name: `gateway-${i}`,
        args: [...options.nodeFlags, main],
        env: {
          REDIS_URL: redis.url,
          NODE_ID: `${kind}-${i}`,
          LOG_LEVEL: 'warn',
          RATE_SENDS_PER_SEC: '0',
          RATE_READS_PER_SEC: '0',
          RATE_FRAMES_PER_SEC: '0',
          // All load comes from one client IP; the per-IP connection cap (default 1000) is off, as the rate limits are.
          MAX_CONNECTIONS_PER_IP: '0',
          DRAIN_TIMEOUT_MS: '2000',
          ...options.gatewayEnv,
        },
        ...(options.openFiles === undefined ? {} : { openFiles: options.openFiles }),
        ...(options.inspect ? { inspect: true } : {}),
        stopGraceMs: 8000,
      }),
    },
    options,
  );
}
