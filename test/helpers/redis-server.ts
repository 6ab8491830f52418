// Moved to @chat/testkit; this re-export keeps suites that still import the old path working.
export { startRedisServer, type RedisServer } from '@chat/testkit';
