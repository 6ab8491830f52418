import { MemoryBroker, MemoryCursorStore, RedisBroker, RedisCursorStore, type Broker, type CursorStore } from '@chat/core';
import type { GatewayConfig } from './config.js';
import type { Logger } from './logger.js';

/** Redis (one server, a Redis Cluster or a Sentinel-managed primary) when configured, else the embedded in-memory broker. */
export function createBroker(config: GatewayConfig, logger: Logger): Broker {
  const options = { historySize: config.historySize, presenceTtlMs: config.presenceTtlMs, roomTtlMs: config.roomTtlMs, nodeId: config.nodeId };
  if (config.redis) return new RedisBroker({ ...options, topology: config.redis, logger, link: config.redisLink, keyPrefix: config.redisKeyPrefix });
  logger.warn('no REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS: using the embedded in-memory broker (one node only, nothing survives a restart)');
  return new MemoryBroker(options);
}

/** Where compact stream cursors keep their snapshots: the deployment's Redis, else this process. */
export function createCursorStore(config: GatewayConfig): CursorStore {
  return config.redis ? new RedisCursorStore(config.redis, config.nodeId, config.redisLink, config.redisKeyPrefix) : new MemoryCursorStore();
}
