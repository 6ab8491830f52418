import { describe, expect, it } from 'vitest';
import { roomKeys } from '@chat/core';
import { eventually } from '@chat/testkit';
import { useClusterBrokers } from './support/cluster-brokers.js';
import { runFailoverTraffic } from './support/failover-traffic.js';

describe('redis cluster failover', () => {
  const { node, cluster: running } = useClusterBrokers();

  it('loses no acked message when the master of the room\'s slot is SIGKILLed and its replica takes over', async () => {
    const [publisher, listener] = [await node('a'), await node('b')];
    const room = `failover-${process.pid}`;
    const master = await running().masterOf(roomKeys(room).channel);
    const replica = await running().replicaOf(master);
    const report = await runFailoverTraffic({ publisher, listener, room, kill: () => running().kill(master), timeoutMs: 40_000 });
    console.log(`cluster failover (master ${master} killed, replica ${replica} promoted): ${JSON.stringify(report)}`);
    expect(await running().masterOf(roomKeys(room).channel)).toBe(replica);
    expect(report.duplicates).toBe(0);
    expect(report.gapsInEpoch).toBe(0);
    expect(report.lostInEpoch).toBe(0);
    // Data lost in the async-replication window must show as a new epoch, never silently.
    if (report.lostWithEpochChange > 0) expect(report.epochChanges).toBeGreaterThan(0);
    expect(report.listenerNotReadyMs).toBeGreaterThan(0);
    await eventually(() => listener.isConnected() && publisher.isConnected(), { what: 'both nodes ready again' });
    // The killed master comes back empty and rejoins as the new master's replica.
    await running().restart(master);
    await running().waitHealthy(30_000);
  }, 90_000);

  it('backfills the messages acked during a failover even when no message follows them', async () => {
    const [publisher, listener] = [await node('c'), await node('d')];
    const room = `quiet-${process.pid}`;
    const master = await running().masterOf(roomKeys(room).channel);
    const report = await runFailoverTraffic({ publisher, listener, room, kill: () => running().kill(master), afterRecoveryMs: 0, timeoutMs: 40_000 });
    console.log(`cluster failover, traffic stops at the first ack after it: ${JSON.stringify(report)}`);
    expect(report.listenerNotReadyMs).toBeGreaterThan(0);
    await eventually(() => listener.isConnected(), { what: 'the listening node ready again' });
    expect(report.lostInEpoch).toBe(0);
    expect(report.duplicates).toBe(0);
    expect(report.gapsInEpoch).toBe(0);
    if (report.lostWithEpochChange > 0) expect(report.epochChanges).toBeGreaterThan(0);
  }, 90_000);
});
