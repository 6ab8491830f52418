import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBroker, type Broker } from '@chat/core';
import { eventually } from '@chat/testkit';
import { startSentinelSet, type LocalSentinelSet } from './support/redis-sentinel.js';
import { runFailoverTraffic } from './support/failover-traffic.js';
import { roomsOf } from '../contract/room-layer.js';

describe('redis sentinel failover', () => {
  let set: LocalSentinelSet;
  const brokers: Broker[] = [];
  const node = async (nodeId: string): Promise<Broker> => {
    const broker = new RedisBroker({
      historySize: 1000,
      presenceTtlMs: 5000,
      topology: { mode: 'sentinel', sentinels: set.sentinels, name: set.name },
      nodeId,
    });
    brokers.push(broker);
    await broker.start(15_000);
    return broker;
  };

  beforeAll(async () => {
    set = await startSentinelSet();
  });
  afterAll(async () => {
    await Promise.all(brokers.map((broker) => broker.stop({ cleanup: false })));
    await set?.stop();
  });

  it('reconnects to the promoted replica, restores the subscription and loses no acked message', async () => {
    const [publisher, listener] = [await node('a'), await node('b')];
    const room = `sentinel-${process.pid}`;
    const primary = await set.primaryPort();
    const report = await runFailoverTraffic({ publisher, listener, room, kill: () => set.kill(primary), afterRecoveryMs: 0, timeoutMs: 40_000 });
    console.log(`sentinel failover (primary ${primary} killed): ${JSON.stringify(report)}`);
    expect(await set.primaryPort()).not.toBe(primary);
    expect(report.lostInEpoch).toBe(0);
    expect(report.duplicates).toBe(0);
    expect(report.gapsInEpoch).toBe(0);
    if (report.lostWithEpochChange > 0) expect(report.epochChanges).toBeGreaterThan(0);
    expect(report.listenerNotReadyMs).toBeGreaterThan(0);
    await eventually(() => listener.isConnected() && publisher.isConnected(), { what: 'both nodes ready again' });
    // Still live after the failover: a new message arrives without any backfill trigger.
    const received: string[] = [];
    await roomsOf(listener).listen(room, { onMessage: (message) => void received.push(message.text) });
    await publisher.publish(room, { nick: 'pub', text: 'after' });
    await eventually(() => received.includes('after'), { what: 'a live message after the failover' });
  }, 90_000);
});
