import { Redis } from 'ioredis';

/** Calls and Redis-side microseconds of one command, from `INFO commandstats`. */
export interface CommandStat {
  readonly calls: number;
  readonly usec: number;
}

/** Parses `INFO commandstats` into command → calls and usec (the `info` command itself left out). */
export function parseCommandStats(info: string): Map<string, CommandStat> {
  const stats = new Map<string, CommandStat>();
  for (const match of info.matchAll(/^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm)) {
    const [, command, calls, usec] = match;
    if (command && command !== 'info') stats.set(command, { calls: Number(calls), usec: Number(usec) });
  }
  return stats;
}

/** What changed between two readings: only commands that ran, with their µs per call. */
export function commandStatDeltas(before: ReadonlyMap<string, CommandStat>, after: ReadonlyMap<string, CommandStat>): Record<string, CommandStat & { usecPerCall: number }> {
  const result: Record<string, CommandStat & { usecPerCall: number }> = {};
  for (const [command, stat] of after) {
    const calls = stat.calls - (before.get(command)?.calls ?? 0);
    if (calls <= 0) continue;
    const usec = stat.usec - (before.get(command)?.usec ?? 0);
    result[command] = { calls, usec, usecPerCall: Math.round((usec / calls) * 100) / 100 };
  }
  return result;
}

/** A connection to a server's bench Redis for reading its statistics; undefined when it has none. */
export class RedisStatsReader {
  private constructor(private readonly redis: Redis) {}

  static open(port: number | undefined): RedisStatsReader | undefined {
    if (port === undefined) return undefined;
    const redis = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1, lazyConnect: false });
    redis.on('error', () => undefined);
    return new RedisStatsReader(redis);
  }

  async commandStats(): Promise<Map<string, CommandStat>> {
    return parseCommandStats(await this.redis.info('commandstats'));
  }

  close(): void {
    this.redis.disconnect();
  }
}
