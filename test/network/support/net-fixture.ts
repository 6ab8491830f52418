import { afterAll, afterEach, beforeAll } from 'vitest';
import { startNetCluster, type NetCluster, type NetClusterOptions } from './net-cluster.js';

/** Starts the network test bed for a suite, prints its processes' output when a test fails, tears it (and every rule) down after. */
export function useNetCluster(options: NetClusterOptions = {}): () => NetCluster {
  let cluster: NetCluster | undefined;
  beforeAll(async () => {
    cluster = await startNetCluster(options);
  });
  afterEach((context) => {
    if (context.task.result?.state === 'fail' && cluster) console.error(cluster.logs());
  });
  afterAll(async () => {
    await cluster?.stop();
  });
  return () => {
    if (!cluster) throw new Error('the network test bed has not started');
    return cluster;
  };
}

/** The p-th percentile (0–100) of `values`, or null for none. */
export function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? null;
}
