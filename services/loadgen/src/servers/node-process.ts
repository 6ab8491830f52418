import type { ChildProcess } from 'node:child_process';
import { spawnTracked, stopChild } from '../util/children.js';
import { freePort } from '@chat/testkit';
import { waitForHttpOk } from '../util/wait.js';
import { REPO_ROOT } from '../util/paths.js';
import { withOpenFiles } from '../util/open-files.js';

/** One server node process listening on 127.0.0.1. */
export interface NodeProcess {
  readonly port: number;
  readonly pid: number;
  /** The V8 inspector's port when the launch asked for one. */
  readonly inspectorPort: number | undefined;
  readonly child: ChildProcess;
  /** Why the process died on its own (exit status and the tail of its output), if it did. */
  death(): string | undefined;
  stop(): Promise<void>;
}

/** What to run: node args (flags + entry + its args) and the environment. */
export interface NodeLaunch {
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly name: string;
  /** Grace period between SIGTERM and SIGKILL (a draining node may need a few seconds). */
  readonly stopGraceMs?: number;
  /** Open-file limit to raise the process to (see withOpenFiles). */
  readonly openFiles?: number;
  /** Open the V8 inspector on a free loopback port and expose gc() (for the heap sampler). */
  readonly inspect?: boolean;
}

/**
 * Starts a node process on a free port (we pick it, so the `"msg":"listening"` line, which an
 * info-level log hides at LOG_LEVEL=warn, is not needed) and waits for a 200 on GET /readyz.
 * Output is drained so a chatty child never blocks on a full pipe; its tail explains a failure.
 */
export async function startNodeProcess(launch: NodeLaunch): Promise<NodeProcess> {
  const port = await freePort();
  const inspectorPort = launch.inspect ? await freePort() : undefined;
  // --expose-gc: the sampler scavenges before it stops (see HeapSampler.stop).
  const nodeArgs = inspectorPort === undefined ? launch.args : [`--inspect=127.0.0.1:${inspectorPort}`, '--expose-gc', ...launch.args];
  const { command, args } = launch.openFiles === undefined ? { command: process.execPath, args: [...nodeArgs] } : withOpenFiles(launch.openFiles, process.execPath, nodeArgs);
  const child = spawnTracked(command, args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    cwd: REPO_ROOT,
    env: { ...process.env, ...launch.env, PORT: String(port), HOST: '127.0.0.1' },
  });
  if (!child.stdout || !child.stderr || child.pid === undefined) throw new Error(`${launch.name} did not start`);
  let outputTail = '';
  const keepTail = (chunk: Buffer): void => {
    outputTail = (outputTail + chunk.toString()).slice(-2000);
  };
  child.stdout.on('data', keepTail);
  child.stderr.on('data', keepTail);
  const exited = new Promise<never>((_, reject) => child.once('exit', (code, signal) => reject(new Error(`exited (${code ?? signal})`))));
  exited.catch(() => undefined);
  try {
    await Promise.race([waitForHttpOk(`http://127.0.0.1:${port}/readyz`, 20_000), exited]);
  } catch (error) {
    await stopChild(child, 500);
    throw new Error(`${launch.name}: ${String(error)}; output: ${outputTail}`, { cause: error });
  }
  let stopping = false;
  let death: string | undefined;
  child.once('exit', (code, signal) => {
    if (stopping) return;
    death = `${launch.name} (pid ${child.pid ?? '?'}) exited on its own (${code ?? signal}); output: ${outputTail.slice(-1500)}`;
    process.stderr.write(`loadgen: ${death}\n`);
  });
  return {
    port,
    pid: child.pid,
    inspectorPort,
    child,
    death: () => death,
    stop: () => {
      stopping = true;
      return stopChild(child, launch.stopGraceMs ?? 5000);
    },
  };
}
