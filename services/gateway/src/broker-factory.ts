import { MemoryBroker, RedisBroker, type Broker } from '@chat/core';
import type { GatewayConfig } from './config.js';
import type { Logger } from './logger.js';

/** Redis when REDIS_URL is set, else the embedded in-memory broker for a single node. */
export function createBroker(config: GatewayConfig, logger: Logger): Broker {
  const options = { historySize: config.historySize, presenceTtlMs: config.presenceTtlMs };
  if (config.redisUrl) return new RedisBroker({ ...options, url: config.redisUrl, nodeId: config.nodeId, logger });
  logger.warn('REDIS_URL is not set: using the embedded in-memory broker (one node only, nothing survives a restart)');
  return new MemoryBroker(options);
}
