import { MemoryBackend, MemoryBroker } from '@chat/core';
import { describeBrokerContract } from './broker-contract.js';
import { contractOptions } from './broker-harness.js';

describeBrokerContract('memory', async () => {
  const backend = new MemoryBackend();
  return {
    createBroker: async (nodeId, overrides = {}) => {
      const broker = new MemoryBroker({ ...contractOptions, ...overrides, backend, nodeId });
      await broker.start();
      return broker;
    },
    subscribedRooms: async () => backend.subscribedChannels(),
    subscriberCount: async (room) => backend.subscriberCount(room),
    storeWithoutPublishing: async (room, text) => {
      backend.storeSilently(room, { nick: 'ghost', text }, contractOptions.historySize);
    },
    storedKeys: async (room) => (backend.hasRoom(room) ? 1 : 0),
    restartBackend: async () => backend.restart(),
    close: async () => undefined,
  };
});
