import { eventually } from './wait.js';
import { ManagedProcess } from './managed-process.js';
import { redisPing } from './probe.js';
import { requireProgram } from './programs.js';

export interface RedisProcessOptions {
  readonly port: number;
  /** `redis-server` (default) or `redis-sentinel`. */
  readonly command?: 'redis-server' | 'redis-sentinel';
  /** Arguments after the defaults; for `redis-sentinel`, the config file (it gets no defaults). */
  readonly args?: readonly string[];
  readonly cwd?: string;
}

/** Loopback only, no persistence: a kill loses every key, as in production with no AOF. */
const serverDefaults = (port: number): string[] => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];

/** A redis-server or redis-sentinel this process owns on 127.0.0.1:`port`; never the shared 6379. */
export class RedisProcess {
  readonly url: string;
  readonly port: number;
  readonly process: ManagedProcess;
  private readonly command: string;

  constructor(options: RedisProcessOptions) {
    const { port, command = 'redis-server', args = [], cwd } = options;
    this.port = port;
    this.command = command;
    this.url = `redis://127.0.0.1:${port}`;
    this.process = new ManagedProcess({
      name: `${command}:${port}`,
      command,
      args: command === 'redis-server' ? [...serverDefaults(port), ...args] : args,
      ...(cwd === undefined ? {} : { cwd }),
    });
  }

  get running(): boolean {
    return this.process.running;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  /** Starts (again, on the same port, empty) and resolves when it answers PING. */
  async start(timeoutMs = 10_000): Promise<void> {
    requireProgram(this.command);
    await this.process.start();
    const outcome = await eventually(async () => (!this.process.running ? 'exited' : (await redisPing(this.port)) && 'ready'), {
      timeoutMs,
      intervalMs: 25,
      what: `${this.process.name} to answer PING`,
    }).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${this.process.report()}`);
    });
    if (outcome === 'exited') throw new Error(`${this.process.name} exited at start\n${this.process.report()}`);
  }

  /** SIGKILL: the data is gone and every client sees its connection drop. */
  async kill(): Promise<void> {
    await this.process.stop('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.process.stop('SIGTERM', 2_000);
  }
}
