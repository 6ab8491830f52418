import type { ChildProcess } from 'node:child_process';
import { spawnTracked, stopChild } from '../util/children.js';
import { freePort } from '../util/free-port.js';
import { waitForHttpOk, waitForLine } from '../util/wait.js';

/** One server node process listening on 127.0.0.1. */
export interface NodeProcess {
  readonly port: number;
  readonly pid: number;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** What to run: node args (flags + entry + its args) and the environment. */
export interface NodeLaunch {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly name: string;
  /** Grace period between SIGTERM and SIGKILL (a draining node may need a few seconds). */
  readonly stopGraceMs?: number;
}

/**
 * Starts a node process on a free port, waits for its `"msg":"listening"` log line and a 200 on
 * GET /readyz. stdout is drained afterwards so a chatty child never blocks on a full pipe.
 */
export async function startNodeProcess(launch: NodeLaunch): Promise<NodeProcess> {
  const port = await freePort();
  const child = spawnTracked(process.execPath, launch.args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...launch.env, PORT: String(port), HOST: '127.0.0.1' },
  });
  if (!child.stdout || !child.stderr || child.pid === undefined) throw new Error(`${launch.name} did not start`);
  let stderrTail = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderrTail = (stderrTail + chunk.toString()).slice(-2000);
  });
  try {
    await waitForLine(child.stdout, (line) => line.includes('"msg":"listening"'), 20_000, `${launch.name} listening`);
    child.stdout.resume();
    await waitForHttpOk(`http://127.0.0.1:${port}/readyz`, 20_000);
  } catch (error) {
    await stopChild(child, 500);
    throw new Error(`${launch.name}: ${String(error)}; stderr: ${stderrTail}`);
  }
  return { port, pid: child.pid, child, stop: () => stopChild(child, launch.stopGraceMs ?? 5000) };
}
