import { afterAll, beforeAll } from 'vitest';
import { RedisBroker, type Broker } from '@chat/core';
import { startRedisCluster, type LocalRedisCluster } from '@chat/testkit';

export interface ClusterBrokers {
  /** The running cluster (after `beforeAll`). */
  readonly cluster: () => LocalRedisCluster;
  /** A started broker on the cluster, acting as node `nodeId`; stopped (without cleanup) after the suite. */
  readonly node: (nodeId: string) => Promise<Broker>;
}

/** A 3-master/3-replica cluster for the suite, and brokers on it as nodes. */
export function useClusterBrokers(): ClusterBrokers {
  let cluster: LocalRedisCluster | undefined;
  const brokers: Broker[] = [];
  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await Promise.all(brokers.map((broker) => broker.stop({ cleanup: false })));
    await cluster?.stop();
  });
  const running = (): LocalRedisCluster => {
    if (!cluster) throw new Error('the cluster has not started');
    return cluster;
  };
  return {
    cluster: running,
    node: async (nodeId) => {
      const broker = new RedisBroker({ historySize: 1000, presenceTtlMs: 5000, topology: { mode: 'cluster', nodes: running().nodes }, nodeId });
      brokers.push(broker);
      await broker.start(15_000);
      return broker;
    },
  };
}
