import type { Redis } from 'ioredis';

/** How often each Redis connection is checked, and how long a PING (or any command) may take. */
export interface LinkTimeouts {
  readonly pingIntervalMs: number;
  readonly timeoutMs: number;
}

export const defaultLinkTimeouts: LinkTimeouts = { pingIntervalMs: 1000, timeoutMs: 2000 };

/**
 * Notices a Redis link that went silent: packets dropped, no reset. ioredis keeps such a
 * connection "ready" until the kernel gives up on it, many minutes later, and every command on it
 * waits that long. Each interval this PINGs every ready connection; one from which not a byte
 * arrived within the timeout (neither the PONG nor any other reply) is destroyed, so ioredis
 * reports the close (readiness off, queued commands rejected) and reconnects on its own schedule,
 * which succeeds once the link is back. A busy link whose PONG waits behind a deep pipeline of
 * other replies is alive, and is left alone.
 */
export class LinkWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private readonly probing = new Set<Redis>();
  /** When each connection's socket last delivered bytes (a new socket after each reconnect). */
  private readonly lastData = new WeakMap<object, number>();

  constructor(
    private readonly connections: ReadonlyArray<readonly [role: string, connection: Redis]>,
    private readonly timeouts: LinkTimeouts,
    private readonly onSilent: (role: string, waitedMs: number) => void,
  ) {}

  start(): void {
    if (this.timer || this.timeouts.pingIntervalMs <= 0) return;
    this.timer = setInterval(() => {
      for (const [role, connection] of this.connections) this.probe(role, connection);
    }, this.timeouts.pingIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private probe(role: string, connection: Redis): void {
    if (connection.status !== 'ready' || this.probing.has(connection)) return;
    this.probing.add(connection);
    const sentAt = Date.now();
    const stream = connection.stream;
    if (!this.lastData.has(stream)) {
      this.lastData.set(stream, sentAt);
      stream.on('data', () => this.lastData.set(stream, Date.now()));
    }
    let answered = false;
    const deadline = setTimeout(() => {
      // Timers run before I/O in a loop turn: after a long blocked turn the PONG may already be
      // waiting in the socket, so give the poll phase one chance to read it before judging.
      setImmediate(() => {
        this.probing.delete(connection);
        if (answered || !this.timer || connection.stream !== stream || connection.status !== 'ready') return;
        if ((this.lastData.get(stream) ?? 0) > sentAt) return;
        this.onSilent(role, Date.now() - sentAt);
        stream.destroy();
      });
    }, this.timeouts.timeoutMs);
    deadline.unref();
    // Only a PONG counts: a rejection (the command timeout, a close) is left to the deadline.
    connection.ping().then(
      () => {
        answered = true;
        clearTimeout(deadline);
        this.probing.delete(connection);
      },
      () => undefined,
    );
  }
}
