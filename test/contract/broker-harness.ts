import type { Broker, BrokerOptions } from '@chat/core';

/** What the contract suite needs from a broker implementation and its backend. */
export interface BrokerHarness {
  /** A started broker acting as one node. */
  createBroker(nodeId: string, overrides?: Partial<BrokerOptions>): Promise<Broker>;
  /** Rooms that have a live channel subscription on the backend (PUBSUB CHANNELS). */
  subscribedRooms(): Promise<string[]>;
  /** Nodes subscribed to a room's channel (PUBSUB NUMSUB). */
  subscriberCount(room: string): Promise<number>;
  /** Stores one message without fanning it out: a pub/sub message lost on the way. */
  storeWithoutPublishing(room: string, text: string): Promise<void>;
  /** How many keys (Redis) or stored rooms (memory) hold `room`'s data. */
  storedKeys(room: string): Promise<number>;
  /** The backend loses all its data and comes back (Redis without persistence restarting). */
  restartBackend(): Promise<void>;
  close(): Promise<void>;
}

export const contractOptions: BrokerOptions = { historySize: 50, presenceTtlMs: 600 };
