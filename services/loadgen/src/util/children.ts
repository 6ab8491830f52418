import { spawn, fork, type ChildProcess, type SpawnOptions, type ForkOptions } from 'node:child_process';

// Every process the harness starts, so that an error or Ctrl-C never leaves one behind.
const live = new Set<ChildProcess>();
let hooked = false;

function killAllNow(): void {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  live.clear();
}

function hookExit(): void {
  if (hooked) return;
  hooked = true;
  process.on('exit', killAllNow);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (live.size > 0) process.stderr.write(`\nloadgen: ${signal}, stopping ${live.size} child process(es)\n`);
      killAllNow();
      process.exit(signal === 'SIGINT' ? 130 : 143);
    });
  }
}

function track(child: ChildProcess): ChildProcess {
  hookExit();
  live.add(child);
  child.once('exit', () => live.delete(child));
  return child;
}

/** Spawns a program that is killed when the harness exits, however it exits. */
export function spawnTracked(command: string, args: readonly string[], options: SpawnOptions): ChildProcess {
  return track(spawn(command, args, options));
}

/** Forks a node module (with the harness's own loader flags) that is killed when the harness exits. */
export function forkTracked(modulePath: string, args: readonly string[], options: ForkOptions): ChildProcess {
  return track(fork(modulePath, args, options));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopChild(child: ChildProcess, graceMs = 5000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
