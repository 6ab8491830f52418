import { commandStatDeltas, type RedisStatsReader } from '../checks/redis-commandstats.js';
import type { ServerUnderTest } from '../servers/types.js';
import { totalCpuSeconds } from '../util/proc-stats.js';
import { sleep } from '../util/wait.js';

/** What the server processes did over a window with no traffic from clients. */
export interface IdleWindow {
  readonly ms: number;
  /** CPU seconds per second (cores) of the node processes and of Redis. */
  readonly nodeCores: number;
  readonly redisCores: number;
  /** Redis commands per second (scripts' inner commands included, as `INFO commandstats` counts them). */
  readonly redisCommandsPerSec: number;
  /** EVALSHA/EVAL/FCALL per second: round trips that run a script. */
  readonly redisScriptsPerSec: number;
  readonly redisCommands: Record<string, { calls: number; usec: number; usecPerCall: number }>;
}

/** The Redis process(es) of a server: every server pid that is not a node. */
export function redisPids(server: ServerUnderTest): number[] {
  const nodes = new Set(server.nodePids());
  return server.pids().filter((pid) => !nodes.has(pid));
}

/** Measures the server's idle cost over `ms`: node and Redis CPU, Redis commands per second. */
export async function measureIdleWindow(server: ServerUnderTest, redis: RedisStatsReader | undefined, ms: number): Promise<IdleWindow> {
  const nodes = server.nodePids();
  const redisProcesses = redisPids(server);
  const statsBefore = await redis?.commandStats();
  const nodeBefore = totalCpuSeconds(nodes);
  const redisBefore = totalCpuSeconds(redisProcesses);
  const started = performance.now();
  await sleep(ms);
  const elapsedSeconds = (performance.now() - started) / 1000;
  const nodeCores = (totalCpuSeconds(nodes) - nodeBefore) / elapsedSeconds;
  const redisCores = (totalCpuSeconds(redisProcesses) - redisBefore) / elapsedSeconds;
  const statsAfter = await redis?.commandStats();
  const redisCommands = statsBefore && statsAfter ? commandStatDeltas(statsBefore, statsAfter) : {};
  const calls = (names?: readonly string[]): number =>
    Object.entries(redisCommands).reduce((sum, [name, stat]) => sum + (names === undefined || names.includes(name) ? stat.calls : 0), 0);
  return {
    ms: Math.round(elapsedSeconds * 1000),
    nodeCores,
    redisCores,
    redisCommandsPerSec: calls() / elapsedSeconds,
    redisScriptsPerSec: calls(['evalsha', 'eval', 'fcall', 'fcall_ro', 'evalsha_ro']) / elapsedSeconds,
    redisCommands,
  };
}
