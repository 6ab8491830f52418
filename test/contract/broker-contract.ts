import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Broker, BrokerHealthEvent, RoomMessage, PresenceEvent, RoomListener, RoomPosition } from '@chat/core';
import { Collector, eventually } from '@chat/testkit';
import { contractOptions, type BrokerHarness } from './broker-harness.js';
import { describeChatFeatureContract } from './chat-features-contract.js';
import { roomsOf } from './room-layer.js';

let roomCounter = 0;
const freshRoom = (label: string): string => `${label}-${process.pid}-${++roomCounter}`;

class RecordingListener implements RoomListener {
  readonly messages = new Collector<RoomMessage>();
  readonly presence = new Collector<PresenceEvent>();
  readonly epochs = new Collector<RoomPosition>();
  onMessage = (message: RoomMessage): void => this.messages.push(message);
  onPresence = (event: PresenceEvent): void => this.presence.push(event);
  onEpochChange = (_room: string, position: RoomPosition): void => this.epochs.push(position);
  texts(): string[] {
    return this.messages.items.map((message) => message.text);
  }
}

const offsetsOf = (messages: readonly RoomMessage[]): number[] => messages.map((message) => message.offset);
const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** One behaviour suite for every Broker: the embedded default is held to the cluster's contract. */
export function describeBrokerContract(name: string, makeHarness: () => Promise<BrokerHarness>): void {
  describe(`${name} broker contract`, () => {
    let harness: BrokerHarness;
    const brokers: Broker[] = [];
    const node = async (id: string, overrides = {}): Promise<Broker> => {
      const broker = await harness.createBroker(id, overrides);
      brokers.push(broker);
      return broker;
    };

    beforeAll(async () => {
      harness = await makeHarness();
    });
    afterEach(async () => {
      await Promise.all(brokers.splice(0).map((broker) => broker.stop()));
    });
    afterAll(async () => {
      await harness?.close();
    });

    it('assigns offsets 1, 2, 3… in one epoch and delivers each message once, in order, to the sender too', async () => {
      const broker = await node('a');
      const room = freshRoom('order');
      const listener = new RecordingListener();
      const start = await roomsOf(broker).listen(room, listener);
      expect(start.offset).toBe(0);
      const results = [];
      for (let i = 1; i <= 20; i++) results.push(await broker.publish(room, { nick: 'ann', text: `m${i}` }));
      expect(results.map((result) => result.offset)).toEqual(range(1, 20));
      expect(new Set(results.map((result) => result.epoch))).toEqual(new Set([start.epoch]));
      await listener.messages.waitForCount(20);
      expect(offsetsOf(listener.messages.items)).toEqual(range(1, 20));
      expect(listener.texts()).toEqual(range(1, 20).map((i) => `m${i}`));
      expect(listener.messages.items[0]).toMatchObject({ room, nick: 'ann', epoch: start.epoch });
    });

    it('keeps order and offsets without gaps when many publishes are in flight at once', async () => {
      const broker = await node('a');
      const room = freshRoom('burst');
      const listener = new RecordingListener();
      await roomsOf(broker).listen(room, listener);
      const results = await Promise.all(range(1, 200).map((i) => broker.publish(room, { nick: 'ann', text: `m${i}` })));
      expect(results.map((result) => result.offset).sort((a, b) => a - b)).toEqual(range(1, 200));
      await listener.messages.waitForCount(200);
      expect(offsetsOf(listener.messages.items)).toEqual(range(1, 200));
    });

    it('gives each of many publishes sent at once to several rooms, new ones among them, its own room\'s offset and epoch', async () => {
      const broker = await node('a');
      const rooms = range(1, 3).map((i) => freshRoom(`turn${i}`));
      const listeners = rooms.map(() => new RecordingListener());
      await roomsOf(broker).listen(rooms[0]!, listeners[0]!);
      const sends = rooms.flatMap((room) => range(1, 5).map((i) => ({ room, text: `${room}-${i}` })));
      const results = await Promise.all(sends.map(({ room, text }) => broker.publish(room, { nick: 'ann', text, cid: text })));
      for (const room of rooms) {
        const own = results.filter((result) => result.room === room);
        expect(own.map((result) => result.offset)).toEqual(range(1, 5));
        const history = await broker.history(room, { limit: 10 });
        expect(new Set(own.map((result) => result.epoch))).toEqual(new Set([history.epoch]));
        expect(history.messages.map((message) => message.text)).toEqual(range(1, 5).map((i) => `${room}-${i}`));
      }
      await listeners[0]!.messages.waitForCount(5);
      expect(offsetsOf(listeners[0]!.messages.items)).toEqual(range(1, 5));
      const retried = await Promise.all(sends.map(({ room, text }) => broker.publish(room, { nick: 'ann', text, cid: text })));
      expect(retried.map(({ offset, epoch, duplicate }) => ({ offset, epoch, duplicate }))).toEqual(
        results.map(({ offset, epoch }) => ({ offset, epoch, duplicate: true })),
      );
    });

    it('returns history oldest first, bounded by the history size, and resumes after an offset', async () => {
      const broker = await node('a');
      const room = freshRoom('history');
      const size = contractOptions.historySize;
      for (let i = 1; i <= size + 10; i++) await broker.publish(room, { nick: 'ann', text: `m${i}` });
      const recent = await broker.history(room, { limit: 1000 });
      expect(recent.offset).toBe(size + 10);
      expect(offsetsOf(recent.messages)).toEqual(range(11, size + 10));
      const lastFive = await broker.history(room, { limit: 5 });
      expect(offsetsOf(lastFive.messages)).toEqual(range(size + 6, size + 10));
      const resumed = await broker.history(room, { after: size, limit: 1000 });
      expect(offsetsOf(resumed.messages)).toEqual(range(size + 1, size + 10));
      const page = await broker.history(room, { after: 20, limit: 3 });
      expect(offsetsOf(page.messages)).toEqual([21, 22, 23]);
      const trimmed = await broker.history(room, { after: 2, limit: 1000 });
      expect(trimmed.messages[0]?.offset).toBe(11);
    });

    it('reads an unknown room as empty without creating it; the first publish gives it the epoch every later read sees', async () => {
      const broker = await node('a');
      const room = freshRoom('empty');
      const empty = await broker.history(room, { limit: 10 });
      expect(empty).toMatchObject({ offset: 0, messages: [] });
      expect(await broker.position(room)).toMatchObject({ offset: 0 });
      await broker.historyPage(room, { limit: 10 });
      await broker.readState(room, 'ann');
      await broker.markRead(room, 'ann', 5);
      await broker.presenceList(room);
      await broker.presenceSummary(room, 10);
      await expect(broker.amend(room, { kind: 'edit', target: 1, nick: 'ann', text: 'x', requester: 'ann', moderator: false })).rejects.toMatchObject({ code: 'not_found' });
      expect(await harness.storedKeys(room)).toBe(0);
      const published = await broker.publish(room, { nick: 'ann', text: 'first' });
      expect(published).toMatchObject({ offset: 1, duplicate: false });
      expect(await broker.position(room)).toEqual({ epoch: published.epoch, offset: 1 });
      expect(await harness.storedKeys(room)).toBeGreaterThan(0);
    });

    it('forgets a room with no member and no new message after the room ttl, and keeps a room with members', async () => {
      const roomTtlMs = 1500;
      const broker = await node('a', { roomTtlMs });
      const [idle, busy] = [freshRoom('idle'), freshRoom('busy')];
      await broker.publish(idle, { nick: 'ann', text: 'nobody here' });
      await broker.markRead(idle, 'ann', 1);
      await roomsOf(broker).listen(busy, new RecordingListener());
      await broker.publish(busy, { nick: 'ann', text: 'kept' });
      const publishedAt = Date.now();
      expect(await harness.storedKeys(idle)).toBeGreaterThan(0);
      await eventually(async () => (await harness.storedKeys(idle)) === 0, { timeoutMs: roomTtlMs * 4, what: 'the idle room forgotten' });
      await eventually(() => Date.now() - publishedAt > roomTtlMs * 2, { timeoutMs: roomTtlMs * 4, what: 'two room ttls' });
      const kept = await broker.history(busy, { limit: 10 });
      expect(kept.messages.map((message) => message.text)).toEqual(['kept']);
      expect(await harness.storedKeys(busy)).toBeGreaterThan(0);
      const again = await broker.publish(idle, { nick: 'ann', text: 'new life' });
      expect(again.offset).toBe(1);
    });

    it('stores a retried publish with the same client id once and repeats the first answer', async () => {
      const broker = await node('a');
      const room = freshRoom('idem');
      const listener = new RecordingListener();
      await roomsOf(broker).listen(room, listener);
      const first = await broker.publish(room, { nick: 'ann', text: 'hello', cid: 'c-1' });
      await broker.publish(room, { nick: 'ann', text: 'other' });
      const retry = await broker.publish(room, { nick: 'ann', text: 'hello', cid: 'c-1' });
      expect(first).toMatchObject({ offset: 1, duplicate: false });
      expect(retry).toMatchObject({ epoch: first.epoch, offset: 1, ts: first.ts, duplicate: true });
      const concurrent = await Promise.all(range(1, 5).map(() => broker.publish(room, { nick: 'ann', text: 'x', cid: 'c-2' })));
      expect(new Set(concurrent.map((result) => result.offset))).toEqual(new Set([3]));
      expect(concurrent.filter((result) => !result.duplicate)).toHaveLength(1);
      const history = await broker.history(room, { limit: 100 });
      expect(history.messages.map((message) => message.text)).toEqual(['hello', 'other', 'x']);
      await listener.messages.waitForCount(3);
      expect(listener.texts()).toEqual(['hello', 'other', 'x']);
    });

    it('subscribes a node to a room once however many local listeners it has, and unsubscribes after the last', async () => {
      const broker = await node('a');
      const room = freshRoom('refcount');
      const first = new RecordingListener();
      const second = new RecordingListener();
      await Promise.all([roomsOf(broker).listen(room, first), roomsOf(broker).listen(room, second)]);
      expect(await harness.subscriberCount(room)).toBe(1);
      expect(roomsOf(broker).liveRooms()).toContain(room);
      await roomsOf(broker).unlisten(room, first);
      expect(await harness.subscriberCount(room)).toBe(1);
      await broker.publish(room, { nick: 'ann', text: 'still here' });
      await second.messages.waitForCount(1);
      expect(first.messages.items).toHaveLength(0);
      await roomsOf(broker).unlisten(room, second);
      expect(await harness.subscriberCount(room)).toBe(0);
      expect(await harness.subscribedRooms()).not.toContain(room);
      expect(roomsOf(broker).liveRooms()).not.toContain(room);
    });

    it('ends subscribed exactly when a listener remains after racing subscribes and unsubscribes', async () => {
      const broker = await node('a');
      const room = freshRoom('race');
      const listeners = range(1, 6).map(() => new RecordingListener());
      const operations: Array<Promise<unknown>> = [];
      for (const listener of listeners) {
        operations.push(roomsOf(broker).listen(room, listener));
        operations.push(roomsOf(broker).unlisten(room, listener));
      }
      const survivor = new RecordingListener();
      operations.push(roomsOf(broker).listen(room, survivor));
      operations.push(roomsOf(broker).unlisten(room, listeners[0]!), roomsOf(broker).listen(room, listeners[0]!), roomsOf(broker).unlisten(room, listeners[0]!));
      await Promise.all(operations);
      expect(await harness.subscriberCount(room)).toBe(1);
      await broker.publish(room, { nick: 'ann', text: 'after the race' });
      await survivor.messages.waitForCount(1);
      await roomsOf(broker).unlisten(room, survivor);
      expect(await harness.subscriberCount(room)).toBe(0);
      expect(listeners.every((listener) => listener.messages.items.length === 0)).toBe(true);
    });

    it('lets two nodes see each other\'s messages, and gives none to a node without members in the room', async () => {
      const [a, b, c] = await Promise.all([node('a'), node('b'), node('c')]);
      const room = freshRoom('nodes');
      const onA = new RecordingListener();
      const onB = new RecordingListener();
      const onCElsewhere = new RecordingListener();
      await roomsOf(a).listen(room, onA);
      await roomsOf(b).listen(room, onB);
      await roomsOf(c).listen(freshRoom('elsewhere'), onCElsewhere);
      expect(await harness.subscriberCount(room)).toBe(2);
      for (let i = 1; i <= 10; i++) await (i % 2 ? a : b).publish(room, { nick: i % 2 ? 'ann' : 'bob', text: `m${i}` });
      await onA.messages.waitForCount(10);
      await onB.messages.waitForCount(10);
      expect(offsetsOf(onA.messages.items)).toEqual(range(1, 10));
      expect(offsetsOf(onB.messages.items)).toEqual(range(1, 10));
      expect(roomsOf(c).liveRooms()).not.toContain(room);
      expect(onCElsewhere.messages.items).toHaveLength(0);
    });

    it('starts a listener that joins late after the current head, with no replays', async () => {
      const [a, b] = await Promise.all([node('a'), node('b')]);
      const room = freshRoom('late');
      const early = new RecordingListener();
      await roomsOf(a).listen(room, early);
      for (let i = 1; i <= 3; i++) await b.publish(room, { nick: 'bob', text: `m${i}` });
      await early.messages.waitForCount(3);
      const late = new RecordingListener();
      const start = await roomsOf(a).listen(room, late);
      expect(start.offset).toBe(3);
      await b.publish(room, { nick: 'bob', text: 'm4' });
      await late.messages.waitForCount(1);
      await early.messages.waitForCount(4);
      expect(offsetsOf(late.messages.items)).toEqual([4]);
    });

    it('backfills a message lost on the channel from history, so the listener sees every offset once, in order', async () => {
      const broker = await node('a');
      const room = freshRoom('gap');
      const listener = new RecordingListener();
      await roomsOf(broker).listen(room, listener);
      await broker.publish(room, { nick: 'ann', text: 'one' });
      await harness.storeWithoutPublishing(room, 'two (lost on the wire)');
      await harness.storeWithoutPublishing(room, 'three (lost on the wire)');
      await broker.publish(room, { nick: 'ann', text: 'four' });
      await broker.publish(room, { nick: 'ann', text: 'five' });
      await listener.messages.waitForCount(5);
      expect(offsetsOf(listener.messages.items)).toEqual([1, 2, 3, 4, 5]);
      expect(listener.texts()).toEqual(['one', 'two (lost on the wire)', 'three (lost on the wire)', 'four', 'five']);
    });

    it('reports a new epoch after the backend lost its data, and delivers the new epoch\'s messages', async () => {
      const broker = await node('a');
      const health = new Collector<BrokerHealthEvent>();
      broker.onHealth(health.push);
      const room = freshRoom('restart');
      const listener = new RecordingListener();
      const start = await roomsOf(broker).listen(room, listener);
      await broker.publish(room, { nick: 'ann', text: 'before' });
      await listener.messages.waitForCount(1);

      await harness.restartBackend();
      await health.waitFor((events) => events.some((event) => event.type === 'disconnected'), { what: 'disconnected' });
      await eventually(() => broker.isConnected(), { timeoutMs: 15_000, what: 'reconnect' });
      await listener.epochs.waitForCount(1);
      const epoch = listener.epochs.items[0]!;
      expect(epoch.epoch).not.toBe(start.epoch);
      expect(epoch.offset).toBe(0);
      expect(health.items.some((event) => event.type === 'epoch_changed' && event.room === room)).toBe(true);

      const after = await broker.publish(room, { nick: 'ann', text: 'after' });
      expect(after).toMatchObject({ epoch: epoch.epoch, offset: 1 });
      await listener.messages.waitForCount(2);
      expect(listener.messages.items[1]).toMatchObject({ epoch: epoch.epoch, offset: 1, text: 'after' });
    });

    it('shows presence across nodes, announces joins and leaves, and expires the entries of a node that died', async () => {
      const [a, b] = await Promise.all([node('a'), node('b')]);
      const room = freshRoom('presence');
      const watcher = new RecordingListener();
      await roomsOf(b).listen(room, watcher);
      await a.presenceAdd(room, { id: 'a:1', nick: 'ann', node: 'a' });
      await b.presenceAdd(room, { id: 'b:1', nick: 'bob', node: 'b' });
      await a.presenceAdd(room, { id: 'a:1', nick: 'ann', node: 'a' });
      const listed = await b.presenceList(room);
      expect(listed.map((member) => member.nick).sort()).toEqual(['ann', 'bob']);
      await watcher.presence.waitForCount(2);
      expect(watcher.presence.items.map((event) => `${event.event}:${event.member.nick}`)).toEqual(['join:ann', 'join:bob']);

      await b.presenceRemove(room, 'b:1');
      await watcher.presence.waitForCount(3);
      expect(watcher.presence.items[2]).toMatchObject({ event: 'leave', member: { nick: 'bob' } });

      const dead = brokers.splice(brokers.indexOf(a), 1)[0]!;
      await dead.stop({ cleanup: false });
      const gone = await eventually(async () => (await b.presenceList(room)).length === 0, { timeoutMs: contractOptions.presenceTtlMs * 5, what: 'expiry' });
      expect(gone).toBe(true);
      await watcher.presence.waitFor((events) => events.some((event) => event.event === 'leave' && event.member.nick === 'ann'), { what: 'leave of the dead node' });
      expect(watcher.presence.items.filter((event) => event.event === 'leave' && event.member.nick === 'ann')).toHaveLength(1);
    });

    it('shares a rate limit between nodes: the burst is spent once, then a wait is returned', async () => {
      const [a, b] = await Promise.all([node('a'), node('b')]);
      const key = freshRoom('rate');
      const waits: number[] = [];
      for (let i = 0; i < 3; i++) waits.push(await a.consumeRate(key, 1, 4));
      for (let i = 0; i < 2; i++) waits.push(await b.consumeRate(key, 1, 4));
      expect(waits.slice(0, 4)).toEqual([0, 0, 0, 0]);
      expect(waits[4]).toBeGreaterThan(0);
      expect(waits[4]).toBeLessThanOrEqual(1000);
      expect(await a.consumeRate(freshRoom('other-rate'), 1, 4)).toBe(0);
    });

    it('lists a touched member until its TTL passes without another touch, then announces its leave', async () => {
      const [a, b] = await Promise.all([node('a'), node('b')]);
      const room = freshRoom('touch');
      const watcher = new RecordingListener();
      await roomsOf(b).listen(room, watcher);
      const member = { id: 'poll:1', nick: 'poller', node: 'a' };
      await a.presenceTouch(room, member, 400);
      expect((await b.presenceList(room)).map((entry) => entry.nick)).toEqual(['poller']);
      await a.presenceTouch(room, member, 400);
      await watcher.presence.waitFor((events) => events.some((event) => event.event === 'leave'), { timeoutMs: 5000, what: 'leave after expiry' });
      expect(watcher.presence.items.map((event) => `${event.event}:${event.member.nick}`)).toEqual(['join:poller', 'leave:poller']);
      expect(await b.presenceList(room)).toEqual([]);
    });

    it('keeps presence of a live node beyond the TTL by refreshing it', async () => {
      const [a, b] = await Promise.all([node('a'), node('b')]);
      const room = freshRoom('refresh');
      await a.presenceAdd(room, { id: 'a:1', nick: 'ann', node: 'a' });
      const since = Date.now();
      await eventually(() => Date.now() - since > contractOptions.presenceTtlMs * 3, { timeoutMs: 10_000, what: 'three TTLs' });
      expect((await b.presenceList(room)).map((member) => member.nick)).toEqual(['ann']);
    });

    describeChatFeatureContract(node, freshRoom);
  });
}
