import { MemoryBroker, MemoryCursorStore, RedisBroker, RedisCursorStore, type Broker, type CursorStore } from '@chat/core';
import { connectTopology, type RedisConnections } from '@chat/core/redis-topology';
import type { GatewayConfig } from './config.js';
import type { Logger } from './logger.js';

/**
 * What a node keeps shared state in. With Redis (one server, a Redis Cluster or a Sentinel-managed
 * primary) the node opens one pair of connections, `chat-<NODE_ID>` (commands) and
 * `chat-<NODE_ID>-sub` (subscriber), with one link watchdog, and its broker, cursor store and
 * Pusher backend all use it; so the broker's readiness (`/readyz`) is theirs too. Without Redis,
 * the embedded in-memory broker and cursor store.
 */
export interface NodeStores {
  readonly broker: Broker;
  /** Where compact stream cursors keep their snapshots. */
  readonly cursors: CursorStore;
  /** The node's Redis connections, for the Pusher backend; undefined without Redis. */
  readonly redis: RedisConnections | undefined;
  /** Closes the cursor store and the connections: call it once every user of them has stopped. */
  close(): Promise<void>;
}

export function createNodeStores(config: GatewayConfig, logger: Logger): NodeStores {
  const options = { historySize: config.historySize, presenceTtlMs: config.presenceTtlMs, roomTtlMs: config.roomTtlMs, nodeId: config.nodeId };
  if (!config.redis) {
    logger.warn('no REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS: using the embedded in-memory broker (one node only, nothing survives a restart)');
    const cursors = new MemoryCursorStore();
    return { broker: new MemoryBroker(options), cursors, redis: undefined, close: () => cursors.close() };
  }
  const redis = connectTopology(config.redis, config.nodeId, config.redisLink, logger);
  const cursors = new RedisCursorStore(redis, config.redisKeyPrefix);
  return {
    broker: new RedisBroker({ ...options, connections: redis, logger, keyPrefix: config.redisKeyPrefix }),
    cursors,
    redis,
    close: async () => {
      await cursors.close();
      await redis.close(true);
    },
  };
}
