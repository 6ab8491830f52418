import { eventually } from '../../test/helpers/wait.js';
import { ManagedProcess } from './managed-process.js';
import { redisPing } from './probe.js';

/** The cluster's redis-server: no persistence, so a kill loses every key, as in production with no AOF. */
export class LocalRedis {
  readonly url: string;
  readonly process: ManagedProcess;

  constructor(readonly port: number) {
    this.url = `redis://127.0.0.1:${port}`;
    this.process = new ManagedProcess({
      name: `redis-server:${port}`,
      command: 'redis-server',
      args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    });
  }

  get running(): boolean {
    return this.process.running;
  }

  /** Starts (again, on the same port, empty) and resolves when it answers PING. */
  async start(timeoutMs = 10_000): Promise<void> {
    await this.process.start();
    const outcome = await eventually(async () => (!this.process.running ? 'exited' : (await redisPing(this.port)) && 'ready'), {
      timeoutMs,
      intervalMs: 25,
      what: `redis-server on port ${this.port}`,
    });
    if (outcome === 'exited') throw new Error(`redis-server exited at start\n${this.process.report()}`);
  }

  /** SIGKILL: the data is gone and every client sees its connection drop. */
  async kill(): Promise<void> {
    await this.process.stop('SIGKILL');
  }

  async stop(): Promise<void> {
    await this.process.stop('SIGTERM', 2_000);
  }
}
