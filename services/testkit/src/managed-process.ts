import { spawn, type ChildProcess } from 'node:child_process';
import { LineRingBuffer } from './ring-buffer.js';

/** How a spawned process ended. */
export interface ProcessExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** True when we asked it to stop (kill/stop), false when it died on its own. */
  readonly requested: boolean;
}

export interface ManagedProcessOptions {
  readonly name: string;
  readonly command: string;
  readonly args: readonly string[];
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
  /** Called for every complete stdout line (e.g. to spot a "listening" log line). */
  readonly onLine?: (line: string) => void;
}

const live = new Set<ManagedProcess>();
let hooksInstalled = false;

/** If the owner exits without stopping its children (a crash, a failed test run), kill them anyway. */
function installExitHooks(): void {
  if (hooksInstalled) return;
  hooksInstalled = true;
  process.once('exit', () => {
    for (const child of live) child.killGroupSync('SIGKILL');
  });
}

/** One child process in its own process group, with its output kept in a ring buffer. */
export class ManagedProcess {
  readonly output = new LineRingBuffer();
  readonly exits: ProcessExit[] = [];
  private child: ChildProcess | undefined;
  private requested = false;
  private exited: Promise<ProcessExit> = Promise.resolve({ code: null, signal: null, requested: true });

  constructor(private readonly options: ManagedProcessOptions) {
    installExitHooks();
  }

  get name(): string {
    return this.options.name;
  }

  /** The running process's pid, or undefined when it is not running. */
  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Exits nobody asked for: a crash. */
  get unexpectedExits(): readonly ProcessExit[] {
    return this.exits.filter((exit) => !exit.requested);
  }

  /** Spawns the process; resolves once it is spawned (not once it is ready). */
  async start(): Promise<void> {
    if (this.running) throw new Error(`${this.name} is already running`);
    this.requested = false;
    // detached: its own process group, so Ctrl-C in a terminal reaches only the owner, which
    // then stops children in order, and a group kill also reaches nginx's workers.
    const child = spawn(this.options.command, [...this.options.args], {
      cwd: this.options.cwd,
      env: this.options.env ?? process.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    this.child = child;
    live.add(this);
    let stdoutPartial = '';
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      this.output.push(chunk);
      if (!this.options.onLine) return;
      const lines = (stdoutPartial + chunk).split('\n');
      stdoutPartial = lines.pop() ?? '';
      for (const line of lines) this.options.onLine(line);
    });
    child.stderr?.setEncoding('utf8').on('data', (chunk: string) => this.output.push(chunk));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        const exit = { code, signal, requested: this.requested };
        this.exits.push(exit);
        this.output.push(`\n[${this.name} exited: code=${code} signal=${signal}${exit.requested ? '' : ' (unexpected)'}]\n`);
        if (this.child === child) live.delete(this);
        resolve(exit);
      });
    });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (error) => reject(new Error(`${this.name}: cannot start ${this.options.command}: ${error.message}`)));
    });
  }

  /** Resolves when the current process has exited. */
  waitForExit(): Promise<ProcessExit> {
    return this.exited;
  }

  /** Sends a signal to the process (not its group) and marks the exit as requested. */
  signal(signal: NodeJS.Signals): void {
    const pid = this.pid;
    if (pid === undefined) return;
    this.requested = true;
    process.kill(pid, signal);
  }

  /** Sends `signal`, waits up to `graceMs`, then SIGKILLs the whole group; resolves on exit. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 5_000): Promise<ProcessExit | undefined> {
    if (!this.running) return undefined;
    this.requested = true;
    this.killGroupSync(signal);
    const timer = setTimeout(() => this.killGroupSync('SIGKILL'), graceMs);
    const exit = await this.exited;
    clearTimeout(timer);
    this.killGroupSync('SIGKILL');
    return exit;
  }

  /** Signals the process group; safe to call when it is gone. */
  killGroupSync(signal: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (pid === undefined) return;
    try {
      process.kill(-pid, signal);
    } catch {
      // Already gone: nothing to clean up.
    }
  }

  /** Output for a failure report, labelled with the process name. */
  report(): string {
    return `----- ${this.name} (last lines) -----\n${this.output.text()}`;
  }
}
