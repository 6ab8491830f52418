import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBroker, roomKeys, type Broker } from '@chat/core';
import { eventually } from '../helpers/wait.js';
import { startRedisCluster, type LocalRedisCluster } from './support/redis-cluster.js';
import { runFailoverTraffic } from './support/failover-traffic.js';

describe('redis cluster failover', () => {
  let cluster: LocalRedisCluster;
  const brokers: Broker[] = [];
  const node = async (nodeId: string): Promise<Broker> => {
    const broker = new RedisBroker({ historySize: 1000, presenceTtlMs: 5000, topology: { mode: 'cluster', nodes: cluster.nodes }, nodeId });
    brokers.push(broker);
    await broker.start(15_000);
    return broker;
  };

  beforeAll(async () => {
    cluster = await startRedisCluster();
  });
  afterAll(async () => {
    await Promise.all(brokers.map((broker) => broker.stop({ cleanup: false })));
    await cluster?.stop();
  });

  it('loses no acked message when the master of the room\'s slot is SIGKILLed and its replica takes over', async () => {
    const [publisher, listener] = [await node('a'), await node('b')];
    const room = `failover-${process.pid}`;
    const master = await cluster.masterOf(roomKeys(room).channel);
    const replica = await cluster.replicaOf(master);
    const report = await runFailoverTraffic({ publisher, listener, room, kill: () => cluster.kill(master), timeoutMs: 40_000 });
    console.log(`cluster failover (master ${master} killed, replica ${replica} promoted): ${JSON.stringify(report)}`);
    expect(await cluster.masterOf(roomKeys(room).channel)).toBe(replica);
    expect(report.duplicates).toBe(0);
    expect(report.gapsInEpoch).toBe(0);
    expect(report.lostInEpoch).toBe(0);
    // Data lost in the async-replication window must show as a new epoch, never silently.
    if (report.lostWithEpochChange > 0) expect(report.epochChanges).toBeGreaterThan(0);
    expect(report.listenerNotReadyMs).toBeGreaterThan(0);
    await eventually(() => listener.isConnected() && publisher.isConnected(), { what: 'both nodes ready again' });
    // The killed master comes back empty and rejoins as the new master's replica.
    await cluster.restart(master);
    await cluster.waitHealthy(30_000);
  }, 90_000);

  it('backfills the messages acked during a failover even when no message follows them', async () => {
    const [publisher, listener] = [await node('c'), await node('d')];
    const room = `quiet-${process.pid}`;
    const master = await cluster.masterOf(roomKeys(room).channel);
    const report = await runFailoverTraffic({ publisher, listener, room, kill: () => cluster.kill(master), afterRecoveryMs: 0, timeoutMs: 40_000 });
    console.log(`cluster failover, traffic stops at the first ack after it: ${JSON.stringify(report)}`);
    expect(report.listenerNotReadyMs).toBeGreaterThan(0);
    await eventually(() => listener.isConnected(), { what: 'the listening node ready again' });
    expect(report.lostInEpoch).toBe(0);
    expect(report.duplicates).toBe(0);
    expect(report.gapsInEpoch).toBe(0);
    if (report.lostWithEpochChange > 0) expect(report.epochChanges).toBeGreaterThan(0);
  }, 90_000);
});
