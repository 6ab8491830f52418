import { eventually, httpStatus, ManagedProcess } from '@chat/testkit';
import { nginxArgs, writeNginxPrefix, type UpstreamServer } from './nginx-config.js';

/** nginx run unprivileged from a prefix directory, with infra/nginx's config rendered for local gateways. */
export class NginxProxy {
  readonly url: string;
  private process: ManagedProcess | undefined;

  constructor(
    private readonly prefixDir: string,
    readonly port: number,
    private readonly upstreams: readonly UpstreamServer[],
  ) {
    this.url = `http://127.0.0.1:${port}`;
  }

  get managed(): ManagedProcess | undefined {
    return this.process;
  }

  /** Writes the prefix, starts nginx and resolves when it answers its own health location. */
  async start(timeoutMs = 10_000): Promise<void> {
    const prefix = await writeNginxPrefix(this.prefixDir, { listen: `127.0.0.1:${this.port}`, upstreams: this.upstreams });
    // Workers run as the launching user, which owns the prefix; a root launcher (CI containers)
    // would otherwise hand them to `nobody`, who cannot write the private temp dirs.
    const asRoot = process.getuid?.() === 0 ? ['-g', 'user root;'] : [];
    const proc = new ManagedProcess({ name: `nginx:${this.port}`, command: 'nginx', args: nginxArgs(prefix, asRoot) });
    this.process = proc;
    await proc.start();
    const outcome = await eventually(
      async () => (!proc.running ? 'exited' : (await httpStatus(`${this.url}/nginx-healthz`)) === 200 && 'ready'),
      { timeoutMs, intervalMs: 25, what: `nginx on port ${this.port}` },
    );
    if (outcome === 'exited') throw new Error(`nginx exited at start\n${proc.report()}`);
  }

  /** Fast shutdown (SIGTERM to master and workers): open WebSockets are cut, not waited for. */
  async stop(): Promise<void> {
    await this.process?.stop('SIGTERM', 3_000);
  }
}
