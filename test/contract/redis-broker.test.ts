import { RedisBroker, roomKeys } from '@chat/core';
import { describeBrokerContract } from './broker-contract.js';
import { contractOptions } from './broker-harness.js';
import { startRedisServer } from '@chat/testkit';

// Appends to the stream exactly as publish.lua does, but without PUBLISH: a message lost on the wire.
const STORE_SILENTLY = `
local epoch = redis.call('HGET', KEYS[1], 'epoch')
local offset = redis.call('HINCRBY', KEYS[1], 'offset', 1)
local payload = '{"epoch":"' .. epoch .. '","offset":' .. offset .. ',' .. ARGV[1]
redis.call('XADD', KEYS[2], offset .. '-0', 'm', payload)
return offset`;

describeBrokerContract('redis', async () => {
  const server = await startRedisServer();
  const admin = server.client();
  return {
    createBroker: async (nodeId, overrides = {}) => {
      const broker = new RedisBroker({ ...contractOptions, ...overrides, url: server.url, nodeId });
      await broker.start(10_000);
      return broker;
    },
    subscribedRooms: async () => {
      const channels = (await admin.pubsub('CHANNELS', 'chat:{*}')) as string[];
      return channels.map((channel) => channel.slice('chat:{'.length, -1));
    },
    subscriberCount: async (room) => {
      const reply = (await admin.pubsub('NUMSUB', roomKeys(room).channel)) as [string, number];
      return Number(reply[1]);
    },
    storeWithoutPublishing: async (room, text) => {
      const keys = roomKeys(room);
      const body = JSON.stringify({ nick: 'ghost', text, ts: Date.now() }).slice(1);
      await admin.eval(STORE_SILENTLY, 2, keys.meta, keys.log, body);
    },
    storedKeys: async (room) => (await admin.keys(`chat:{${room}}*`)).length,
    restartBackend: async () => {
      await server.kill();
      await server.start();
    },
    close: () => server.stop(),
  };
});
