import { afterAll, afterEach, beforeAll } from 'vitest';
import { startLocalCluster, type LocalCluster, type LocalClusterOptions } from '../../../scripts/cluster/local-cluster.js';

/** Environment every e2e cluster runs with: no rate limit (every client shares 127.0.0.1), short presence TTL and drain. */
export const e2eEnv = {
  RATE_SENDS_PER_SEC: '0',
  RATE_READS_PER_SEC: '0',
  PRESENCE_TTL_MS: '1500',
  DRAIN_TIMEOUT_MS: '3000',
  SSE_HEARTBEAT_MS: '1000',
} as const;

/** Starts a local cluster for the suite, prints its processes' output when a test fails, stops it after. */
export function useCluster(options: LocalClusterOptions = {}): () => LocalCluster {
  let cluster: LocalCluster | undefined;
  beforeAll(async () => {
    cluster = await startLocalCluster({ ...options, env: { ...e2eEnv, ...options.env } });
  });
  afterEach((context) => {
    if (context.task.result?.state === 'fail' && cluster) console.error(cluster.logs());
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error('the cluster has not started');
    return cluster;
  };
}

/** Prints one JSON line of measured figures, for the README. */
export function reportFigures(test: string, figures: Record<string, unknown>): void {
  console.log(JSON.stringify({ e2e: test, ...figures }));
}

/** Median and maximum of a list of durations. */
export function summarize(values: readonly number[]): { n: number; medianMs: number | null; maxMs: number | null } {
  if (values.length === 0) return { n: 0, medianMs: null, maxMs: null };
  const sorted = [...values].sort((a, b) => a - b);
  return { n: sorted.length, medianMs: sorted[Math.floor(sorted.length / 2)] ?? null, maxMs: sorted[sorted.length - 1] ?? null };
}
