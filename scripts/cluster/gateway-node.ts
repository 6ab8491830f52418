import { fileURLToPath } from 'node:url';
import { eventually, httpStatus, ManagedProcess, type ProcessExit } from '@chat/testkit';

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
export const gatewayMain = 'services/gateway/dist/main.js';

export interface GatewayNodeOptions {
  readonly id: string;
  readonly port: number;
  readonly env: NodeJS.ProcessEnv;
  /** Entry point relative to the repository root. */
  readonly main?: string;
}

/** One gateway process on 127.0.0.1:`port`; restarts keep its id and port. */
export class GatewayNode {
  readonly url: string;
  readonly process: ManagedProcess;

  constructor(private readonly options: GatewayNodeOptions) {
    this.url = `http://127.0.0.1:${options.port}`;
    this.process = new ManagedProcess({
      name: options.id,
      command: process.execPath,
      args: [options.main ?? gatewayMain],
      cwd: repoRoot,
      env: options.env,
    });
  }

  get id(): string {
    return this.options.id;
  }

  get port(): number {
    return this.options.port;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get running(): boolean {
    return this.process.running;
  }

  /** Spawns the process; with `waitReady` (default) resolves only once /readyz answers 200. */
  async start({ waitReady = true, timeoutMs = 15_000 } = {}): Promise<void> {
    await this.process.start();
    if (waitReady) await this.waitReady(timeoutMs);
  }

  /** Resolves when /readyz answers 200; fails at once if the process exits meanwhile. */
  async waitReady(timeoutMs = 15_000): Promise<void> {
    const outcome = await eventually(
      async () => (!this.process.running ? 'exited' : (await this.readyz()) === 200 && 'ready'),
      { timeoutMs, intervalMs: 50, what: `${this.id} /readyz 200` },
    ).catch((error: unknown) => {
      throw new Error(`${String(error)}\n${this.process.report()}`);
    });
    if (outcome === 'exited') throw new Error(`${this.id} exited before it was ready\n${this.process.report()}`);
  }

  /** The node's own /readyz status (not through nginx), or undefined when it does not answer. */
  readyz(timeoutMs = 1_000): Promise<number | undefined> {
    return httpStatus(`${this.url}/readyz`, timeoutMs);
  }

  /** Sends `signal` (SIGKILL by default); the promise resolves when the process has exited. */
  kill(signal: NodeJS.Signals = 'SIGKILL'): Promise<ProcessExit> {
    const exited = this.process.waitForExit();
    this.process.signal(signal);
    return exited;
  }

  /** Stops the process if it runs (SIGTERM), then starts it again on the same port. */
  async restart(options: { waitReady?: boolean; timeoutMs?: number } = {}): Promise<void> {
    await this.process.stop('SIGTERM');
    await this.start(options);
  }

  async stop(graceMs = 5_000): Promise<void> {
    await this.process.stop('SIGTERM', graceMs);
  }
}
