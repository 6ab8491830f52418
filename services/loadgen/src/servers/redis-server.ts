import type { ChildProcess } from 'node:child_process';
import { spawnTracked, stopChild } from '../util/children.js';
import { freePort } from '../util/free-port.js';
import { waitForLine } from '../util/wait.js';

/** A fresh, empty, non-persistent redis-server owned by one run; never the machine's 6379. */
export interface BenchRedis {
  readonly port: number;
  readonly url: string;
  readonly pid: number;
  stop(): Promise<void>;
}

/** Starts `redis-server --save "" --appendonly no` on a free 127.0.0.1 port. */
export async function startBenchRedis(): Promise<BenchRedis> {
  const port = await freePort();
  const child: ChildProcess = spawnTracked(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no', '--maxclients', '1000'],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  if (!child.stdout || child.pid === undefined) throw new Error('redis-server did not start');
  await waitForLine(child.stdout, (line) => line.includes('Ready to accept connections'), 10_000, 'redis-server');
  child.stdout.resume();
  const pid = child.pid;
  return { port, url: `redis://127.0.0.1:${port}`, pid, stop: () => stopChild(child) };
}
