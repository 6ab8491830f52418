import { describe, expect, it } from 'vitest';
import { roomKeys } from '@chat/core';
import { eventually } from '@chat/testkit';
import { useClusterBrokers } from './support/cluster-brokers.js';
import { runFailoverTraffic } from './support/failover-traffic.js';
import { migrateSlotOf } from './support/migrate-slot.js';
import { roomsOf } from '../contract/room-layer.js';

describe('redis cluster slot migration', () => {
  const { node, cluster: running } = useClusterBrokers();

  it('keeps delivering every message, once and in order, while the room\'s slot moves to another master (ASK, MOVED)', async () => {
    const [publisher, listener] = [await node('a'), await node('b')];
    const room = `moving-${process.pid}`;
    let moved = { from: 0, to: 0 };
    const report = await runFailoverTraffic({
      publisher,
      listener,
      room,
      kill: async () => {
        moved = await migrateSlotOf(running(), roomKeys(room).channel);
      },
      afterRecoveryMs: 2000,
    });
    console.log(`cluster slot migration ${moved.from} -> ${moved.to}: ${JSON.stringify(report)}`);
    expect(await running().masterOf(roomKeys(room).channel)).toBe(moved.to);
    expect(report.lostInEpoch).toBe(0);
    expect(report.lostWithEpochChange).toBe(0);
    expect(report.epochChanges).toBe(0);
    expect(report.duplicates).toBe(0);
    expect(report.gapsInEpoch).toBe(0);
    // Still live on the new owner: a message after the traffic arrives by itself.
    const texts: string[] = [];
    await roomsOf(listener).listen(room, { onMessage: (message) => void texts.push(message.text) });
    await publisher.publish(room, { nick: 'pub', text: 'on the new master' });
    await eventually(() => texts.includes('on the new master'), { what: 'a live message after the move' });
  }, 90_000);
});
