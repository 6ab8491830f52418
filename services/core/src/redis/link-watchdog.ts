import type { Redis } from 'ioredis';
import { LoopStallClock } from './loop-stall-clock.js';

/** The connections to watch, asked each round: a Redis Cluster adds and drops node connections. */
export type WatchedConnections = () => Iterable<readonly [role: string, connection: Redis]>;

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
 * other replies is alive, and is left alone; so is a link whose node was too busy to read it:
 * the timeout counts only time in which the event loop ran (LoopStallClock).
 */
export class LinkWatchdog {
  private timer: NodeJS.Timeout | undefined;
  private readonly probing = new Set<Redis>();
  /** When each connection's socket last delivered bytes (a new socket after each reconnect). */
  private readonly lastData = new WeakMap<object, number>();
  private readonly clock = new LoopStallClock();

  constructor(
    private readonly connections: WatchedConnections,
    private readonly timeouts: LinkTimeouts,
    private readonly onSilent: (role: string, waitedMs: number) => void,
  ) {}

  start(): void {
    if (this.timer || this.timeouts.pingIntervalMs <= 0) return;
    this.clock.start();
    this.timer = setInterval(() => {
      for (const [role, connection] of this.connections()) this.probe(role, connection);
    }, this.timeouts.pingIntervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.clock.stop();
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
    const sent = this.clock.mark();
    let answered = false;
    let deadline: NodeJS.Timeout | undefined;
    const judge = (): void => {
      // Timers run before I/O in a loop turn: after a long blocked turn the PONG may already be
      // waiting in the socket, so give the poll phase one chance to read it before judging.
      setImmediate(() => {
        if (answered || !this.timer || connection.stream !== stream || connection.status !== 'ready') {
          this.probing.delete(connection);
          return;
        }
        if ((this.lastData.get(stream) ?? 0) > sentAt) {
          this.probing.delete(connection);
          return;
        }
        // The loop was stalled for part of the wait: the link gets the time it did not have.
        const missing = this.timeouts.timeoutMs - this.clock.responsiveSince(sent);
        if (missing > 0) {
          deadline = setTimeout(judge, missing);
          deadline.unref();
          return;
        }
        this.probing.delete(connection);
        this.onSilent(role, Date.now() - sentAt);
        stream.destroy();
      });
    };
    deadline = setTimeout(judge, this.timeouts.timeoutMs);
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
