import { createServer, connect, type Server, type Socket } from 'node:net';
import type { Endpoint } from './link-faults.js';

export interface DelayProfile {
  /** Mean one-way delay added to every chunk, in ms. */
  readonly delayMs: number;
  /** Each chunk's delay is uniform in delayMs ± jitterMs. */
  readonly jitterMs: number;
}

/**
 * A TCP relay on loopback that delays every chunk in both directions by delayMs ± jitterMs, in
 * order (a later chunk never overtakes an earlier one, as on one TCP connection). It stands in for
 * `tc netem delay`, whose qdisc this machine's kernel does not have; packet loss comes from
 * iptables (LinkFaults.lossy) on the relay's listening address.
 */
export class DelayProxy {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  /** Every chunk's added delay in ms, for the report. */
  readonly delays: number[] = [];
  private silent = false;

  constructor(
    readonly listen: Endpoint,
    private readonly target: Endpoint,
    private readonly profile: DelayProfile,
  ) {
    this.server = createServer((client) => this.relay(client));
  }

  start(): Promise<void> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.listen.port, this.listen.host, () => resolve());
    });
  }

  /** While silent, every chunk in both directions vanishes and nobody is told: a link that drops packets, no reset. */
  silence(on: boolean): void {
    this.silent = on;
  }

  async stop(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private relay(client: Socket): void {
    const upstream = connect({ host: this.target.host, port: this.target.port });
    for (const socket of [client, upstream]) {
      this.sockets.add(socket);
      socket.setNoDelay(true);
      socket.on('error', () => undefined);
      socket.once('close', () => {
        this.sockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  /** One queue and one timer per direction, so chunks leave in the order they came. */
  private pipe(from: Socket, to: Socket): void {
    const queue: Array<{ due: number; chunk: Buffer }> = [];
    let timer: NodeJS.Timeout | undefined;
    const flush = (): void => {
      timer = undefined;
      while (queue.length > 0 && (queue[0]?.due ?? 0) <= Date.now()) {
        const head = queue.shift();
        if (head && !to.destroyed) to.write(head.chunk);
      }
      const next = queue[0];
      if (next) timer = setTimeout(flush, Math.max(0, next.due - Date.now()));
    };
    from.on('data', (chunk: Buffer) => {
      if (this.silent) return;
      const delay = this.profile.delayMs + (Math.random() * 2 - 1) * this.profile.jitterMs;
      this.delays.push(delay);
      const last = queue[queue.length - 1];
      queue.push({ due: Math.max(last?.due ?? 0, Date.now() + delay), chunk });
      timer ??= setTimeout(flush, Math.max(0, (queue[0]?.due ?? 0) - Date.now()));
    });
    from.once('close', () => clearTimeout(timer));
  }
}
