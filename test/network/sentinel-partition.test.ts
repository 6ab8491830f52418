import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerUnavailableError, RedisBroker, type RoomMessage } from '@chat/core';
import { eventually } from '@chat/testkit';
import { reportFigures } from '../e2e/support/cluster-fixture.js';
import { startSentinelSet, type LocalSentinelSet } from '../redis-topologies/support/redis-sentinel.js';
import { LinkFaults, removeLeftoverRules, requireIptables } from './support/link-faults.js';
import { redisAliasOf } from './support/net-cluster.js';
import { roomsOf } from '../contract/room-layer.js';

/**
 * A primary, a replica and three Sentinels; two brokers (as two gateways) at the default link
 * timeouts. The data nodes also listen on an alias the cut broker alone reaches them by (a NAT
 * map over the addresses the Sentinels announce), so one iptables rule on the alias and the
 * primary's port cuts that broker from the Sentinel-chosen primary; the Sentinels stay reachable
 * and see nothing wrong, so no failover happens.
 */
const ALIAS = redisAliasOf(1);
const faults = new LinkFaults();
const healOnExit = (): void => faults.healAll();
let set: LocalSentinelSet;
const brokers: RedisBroker[] = [];

function broker(nodeId: string, viaAlias: boolean): RedisBroker {
  const natMap = viaAlias ? Object.fromEntries(set.dataPorts.map((port) => [`127.0.0.1:${port}`, { host: ALIAS, port }])) : undefined;
  const created = new RedisBroker({ historySize: 1000, presenceTtlMs: 5000, nodeId, topology: { mode: 'sentinel', sentinels: set.sentinels, name: set.name, ...(natMap ? { natMap } : {}) } });
  brokers.push(created);
  return created;
}

beforeAll(async () => {
  requireIptables();
  removeLeftoverRules();
  process.once('exit', healOnExit);
  set = await startSentinelSet({ alsoBind: [ALIAS] });
}, 60_000);

afterAll(async () => {
  faults.healAll();
  process.off('exit', healOnExit);
  await Promise.all(brokers.map((item) => item.stop({ cleanup: false })));
  await set?.stop();
});

describe('a node cut from the Sentinel-chosen primary (no reset) while the Sentinels still reach it', () => {
  it('is disconnected within the watchdog bound, refuses sends as unavailable, is back by itself after the heal and then has every message', async () => {
    const [cut, other] = [broker('cut', true), broker('other', false)];
    await Promise.all([cut.start(15_000), other.start(15_000)]);
    const room = 'sentinel-cut';
    const seen: RoomMessage[] = [];
    await roomsOf(cut).listen(room, { onMessage: (message) => void seen.push(message) });
    const acks = [await other.publish(room, { nick: 'other', text: 'before' })];
    await eventually(() => seen.length === 1, { what: 'the message before the cut' });

    const primary = await set.primaryPort();
    const lost = new Promise<number>((resolve) => {
      const off = cut.onHealth((event) => {
        if (event.type !== 'disconnected') return;
        off();
        resolve(Date.now());
      });
    });
    const cutAt = Date.now();
    const linkId = faults.cut({ host: ALIAS, port: primary });
    try {
      // A send in flight at the cut: it fails with `unavailable` after the command timeout, it does not hang.
      const inFlight = await cut.publish(room, { nick: 'cut', text: 'in flight', cid: 'sentinel-in-flight' }).then(
        () => undefined,
        (error: unknown) => ({ error, ms: Date.now() - cutAt }),
      );
      const unreadyMs = (await lost) - cutAt;
      const refusedAt = Date.now();
      const refused = await cut.publish(room, { nick: 'cut', text: 'refused', cid: 'sentinel-refused' }).then(
        () => undefined,
        (error: unknown) => ({ error, ms: Date.now() - refusedAt }),
      );
      for (let i = 0; i < 10; i++) acks.push(await other.publish(room, { nick: 'other', text: `during-${i}` }));
      expect(other.isConnected()).toBe(true);

      faults.heal(linkId);
      const healedAt = Date.now();
      await eventually(() => cut.isConnected(), { timeoutMs: 15_000, intervalMs: 20, what: 'the cut node connected again' });
      const readyAgainMs = Date.now() - healedAt;
      acks.push(await other.publish(room, { nick: 'other', text: 'after' }));
      await eventually(() => seen.length >= acks.length, { timeoutMs: 10_000, what: `all ${acks.length} messages on the cut node` });

      const offsets = seen.map((message) => message.offset);
      reportFigures('sentinel-partition', { primary, unreadyAfterCutMs: unreadyMs, inFlightFailedMs: inFlight?.ms, refusedMs: refused?.ms, readyAgainAfterHealMs: readyAgainMs, messages: acks.length, seen: seen.length });
      expect(await set.primaryPort()).toBe(primary);
      expect(inFlight?.error).toBeInstanceOf(BrokerUnavailableError);
      expect(inFlight?.ms).toBeLessThan(3_000);
      expect(unreadyMs).toBeLessThan(5_000);
      expect(refused?.error).toBeInstanceOf(BrokerUnavailableError);
      expect(refused?.ms).toBeLessThan(100);
      expect(readyAgainMs).toBeLessThan(10_000);
      expect(offsets).toEqual(acks.map((ack) => ack.offset));
    } finally {
      faults.healAll();
    }
  }, 60_000);
});
