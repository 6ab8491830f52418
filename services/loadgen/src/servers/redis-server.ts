import { freePort, RedisProcess } from '@chat/testkit';

/** A fresh, empty, non-persistent redis-server owned by one run; never the machine's 6379. */
export interface BenchRedis {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts redis-server (no persistence, up to 1000 clients) on a free 127.0.0.1 port with @chat/testkit's launcher. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const redis = new RedisProcess({ port: await freePort(), args: ['--maxclients', '1000'] });
  await redis.start();
  const pid = redis.pid;
  if (pid === undefined) throw new Error('redis-server did not start');
  return { port: redis.port, url: redis.url, pid, stop: () => redis.stop() };
}
