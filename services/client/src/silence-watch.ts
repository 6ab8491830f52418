/** What a stream is held to when the server announced no heartbeat (older nodes: SSE_HEARTBEAT_MS 15 s × 3). */
export const LEGACY_SILENCE_LIMIT_MS = 45_000;

/**
 * How long a stream may stay silent before it is taken as dead, for a server heartbeat every
 * `heartbeatMs`: one interval, then one more (at most 10 s: a long interval gets a margin like
 * Centrifugo's 25 s + 10 s, not a second long wait), then a second for the network.
 * 2 s → 5 s, 15 s → 26 s, 30 s → 41 s.
 */
export function silenceLimitMs(heartbeatMs: number): number {
  return heartbeatMs + Math.min(heartbeatMs, 10_000) + 1_000;
}

/** Runs `callback` after the I/O already waiting in this process has been handled. */
function afterPendingIo(callback: () => void): void {
  // Node's setImmediate runs after the poll phase; a browser's 0 ms timer is a new task.
  const { setImmediate } = globalThis as { setImmediate?: (callback: () => void) => unknown };
  if (typeof setImmediate === 'function') setImmediate(callback);
  else setTimeout(callback, 0);
}

/**
 * Notices a connection that went silent: a dead NAT entry, a sleeping Wi-Fi, a crashed middlebox
 * send no FIN and no RST, so the socket stays "open" while nothing arrives. The transport calls
 * `heard()` for everything that arrives and `watch(limit)` once it knows the server's heartbeat;
 * `onSilent` fires once when nothing arrived for `limit`. One timer, re-armed only when it fires,
 * so a busy stream costs a timestamp per frame.
 */
export class SilenceWatch {
  private lastHeard = 0;
  private limitMs = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly onSilent: (silentMs: number) => void) {}

  /** Holds the stream to `limitMs` of silence, counted from now. */
  watch(limitMs: number): void {
    this.limitMs = limitMs;
    this.lastHeard = Date.now();
    this.arm(limitMs);
  }

  /** Something arrived: the stream is alive. */
  heard(): void {
    this.lastHeard = Date.now();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.limitMs = 0;
  }

  private arm(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.check(true), delayMs);
  }

  private check(firstLook: boolean): void {
    if (this.limitMs === 0) return;
    const silentMs = Date.now() - this.lastHeard;
    if (silentMs < this.limitMs) {
      this.arm(this.limitMs - silentMs);
    } else if (firstLook) {
      // Timers can run before the I/O of a turn: after this process was busy, what arrived may
      // still wait in the socket. Judge only once it has been read.
      this.timer = undefined;
      afterPendingIo(() => this.check(false));
    } else {
      this.limitMs = 0;
      this.onSilent(silentMs);
    }
  }
}
