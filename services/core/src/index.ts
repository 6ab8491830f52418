export type * from './types.js';
export type { Broker, BrokerHealthEvent, BrokerHealthListener, BrokerOptions } from './broker.js';
export { ChatError, BrokerUnavailableError, type ErrorCode } from './errors.js';
export { silentLogger, type EngineLogger } from './logger.js';
export { MemoryBackend } from './memory/memory-backend.js';
export { MemoryBroker, type MemoryBrokerOptions } from './memory/memory-broker.js';
export { RedisBroker, type RedisBrokerOptions } from './redis/redis-broker.js';
export { roomKeys } from './redis/keys.js';
