import { RedisBroker, roomKeys } from '@chat/core';
import { describeBrokerContract } from '../contract/broker-contract.js';
import { contractOptions } from '../contract/broker-harness.js';
import { startRedisCluster } from '@chat/testkit';
import { STORE_SILENTLY } from './support/store-silently.js';

// The same contract as one Redis, on a 3-master / 3-replica Redis Cluster with sharded pub/sub.
describeBrokerContract('redis cluster', async () => {
  const cluster = await startRedisCluster();
  const owner = async (room: string) => cluster.client(await cluster.masterOf(roomKeys(room).channel));
  return {
    createBroker: async (nodeId, overrides = {}) => {
      const broker = new RedisBroker({ ...contractOptions, ...overrides, topology: { mode: 'cluster', nodes: cluster.nodes }, nodeId });
      await broker.start(15_000);
      return broker;
    },
    subscribedRooms: async () => {
      const masters = await cluster.masterPorts();
      const channels = await Promise.all(masters.map((port) => cluster.client(port).pubsub('SHARDCHANNELS', 'chat:{*}') as Promise<string[]>));
      return channels.flat().map((channel) => channel.slice('chat:{'.length, -1));
    },
    subscriberCount: async (room) => {
      const reply = (await (await owner(room)).pubsub('SHARDNUMSUB', roomKeys(room).channel)) as [string, number];
      return Number(reply[1]);
    },
    storeWithoutPublishing: async (room, text) => {
      const keys = roomKeys(room);
      const body = JSON.stringify({ nick: 'ghost', text, ts: Date.now() }).slice(1);
      await (await owner(room)).eval(STORE_SILENTLY, 2, keys.meta, keys.log, body);
    },
    storedKeys: async (room) => (await (await owner(room)).keys(`chat:{${room}}*`)).length,
    // Every node dies and comes back empty (no persistence); each keeps its role from nodes.conf.
    restartBackend: async () => {
      const ports = cluster.nodes.map((node) => node.port);
      await Promise.all(ports.map((port) => cluster.kill(port)));
      await Promise.all(ports.map((port) => cluster.restart(port)));
      await cluster.waitHealthy(30_000);
    },
    close: () => cluster.stop(),
  };
});
