import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBroker, roomKeys, type Broker, type RoomMessage, type RoomPosition } from '@chat/core';
import { Collector, eventually, startRedisServer, type RedisServer } from '@chat/testkit';
import { roomsOf } from '../contract/room-layer.js';

// What a failover does to writes acked by the old primary but not yet replicated: the promoted
// replica's room ends a few offsets earlier, and new sends reuse those offsets with other messages.
const FORGET_LAST = `
local offset = tonumber(redis.call('HGET', KEYS[1], 'offset'))
for i = offset - tonumber(ARGV[1]) + 1, offset do redis.call('XDEL', KEYS[2], i .. '-0') end
redis.call('XSETID', KEYS[2], (offset - tonumber(ARGV[1])) .. '-0')
redis.call('HSET', KEYS[1], 'offset', offset - tonumber(ARGV[1]))
return offset`;

describe('writes lost in a failover', () => {
  let server: RedisServer;
  const brokers: Broker[] = [];
  const node = async (nodeId: string): Promise<Broker> => {
    const broker = new RedisBroker({ historySize: 100, presenceTtlMs: 5000, url: server.url, nodeId });
    brokers.push(broker);
    await broker.start(10_000);
    return broker;
  };
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await Promise.all(brokers.map((broker) => broker.stop()));
    await server?.stop();
  });

  for (const [label, replaced] of [['and new sends reuse their offsets', 2], ['and nothing was sent since', 0]] as const) {
    it(`are reported as a new epoch when the room lost its last messages ${label}`, async () => {
      const [publisher, listener] = [await node('a'), await node('b')];
      const admin = server.client();
      const room = `lost-${replaced}-${process.pid}`;
      const messages = new Collector<RoomMessage>();
      const epochs = new Collector<RoomPosition>();
      const start = await roomsOf(listener).listen(room, { onMessage: messages.push, onEpochChange: (_room, position) => epochs.push(position) });
      for (let i = 1; i <= 5; i++) await publisher.publish(room, { nick: 'ann', text: `m${i}` });
      await messages.waitForCount(5);

      const keys = roomKeys(room);
      await admin.eval(FORGET_LAST, 2, keys.meta, keys.log, 2);
      for (let i = 1; i <= replaced; i++) await publisher.publish(room, { nick: 'ann', text: `other${i}` });
      // The listener's subscription breaks as it would in a failover; it resyncs on reconnect.
      await admin.client('KILL', 'TYPE', 'pubsub');

      await epochs.waitForCount(1);
      expect(epochs.items[0]!.epoch).not.toBe(start.epoch);
      expect(messages.items.map((message) => message.text)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      await eventually(() => listener.isConnected(), { what: 'listener ready again' });
      const after = await publisher.publish(room, { nick: 'ann', text: 'after' });
      expect(after).toMatchObject({ epoch: epochs.items[0]!.epoch, offset: 1 });
      await messages.waitForCount(6);
      expect(messages.items[5]).toMatchObject({ text: 'after', offset: 1 });
    });
  }
});
