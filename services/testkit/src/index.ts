export { freePort, portIsFree, freePortWithBus } from './free-port.js';
export { ManagedProcess, type ManagedProcessOptions, type ProcessExit } from './managed-process.js';
export { LineRingBuffer } from './ring-buffer.js';
export { httpStatus, redisPing } from './probe.js';
export { requireProgram } from './programs.js';
export { RedisProcess, type RedisProcessOptions } from './redis-process.js';
export { startRedisServer, type RedisServer, type RedisServerOptions } from './redis-server.js';
export { eventually, Collector, withTimeout } from './wait.js';
export { RedisGroup, freePortsWithBus } from './redis-group.js';
