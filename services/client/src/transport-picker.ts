import { Backoff } from './backoff.js';
import type { TransportClose, TransportName } from './transport.js';

/** The next connection attempt: which transport, after how long. */
export interface NextAttempt {
  readonly transport: TransportName;
  readonly delayMs: number;
}

/**
 * Decides where and when to reconnect. A transport that fails before becoming ready is taken as
 * unavailable here (blocked upgrade, buffering proxy) and the next one is tried at once; one that
 * worked before gets a few tries first, as its failure is more likely a dying node. After the
 * last transport, it starts again from the best one, with backoff.
 */
export class TransportPicker {
  private index = 0;
  private failuresBeforeOpen = 0;
  private readonly proven = new Set<TransportName>();
  private readonly backoff: Backoff;
  private lastImmediateAt = -Infinity;

  constructor(
    private readonly order: readonly TransportName[],
    backoff = new Backoff(),
  ) {
    if (order.length === 0) throw new Error('no transport available');
    this.backoff = backoff;
  }

  get current(): TransportName {
    return this.order[this.index] ?? 'long-poll';
  }

  opened(): void {
    this.proven.add(this.current);
    this.failuresBeforeOpen = 0;
    this.backoff.reset();
  }

  /** Where and when to try after this close. */
  afterClose(close: TransportClose): NextAttempt {
    if (close.opened) {
      // Reconnect at once when asked (a draining node), but not twice in a row within seconds.
      const now = Date.now();
      if (close.reconnect === 'now' && now - this.lastImmediateAt > 3_000) {
        this.lastImmediateAt = now;
        return { transport: this.current, delayMs: 0 };
      }
      return { transport: this.current, delayMs: this.backoff.next() };
    }
    this.failuresBeforeOpen += 1;
    const tries = this.proven.has(this.current) ? 3 : 1;
    if (this.failuresBeforeOpen < tries) return { transport: this.current, delayMs: this.backoff.next() };
    this.failuresBeforeOpen = 0;
    this.index = (this.index + 1) % this.order.length;
    return { transport: this.current, delayMs: this.index === 0 ? this.backoff.next() : 0 };
  }

  /** The best transport this browser has, when the current one is a fallback from it. */
  get upgradeTarget(): TransportName | undefined {
    return this.index > 0 ? this.order[0] : undefined;
  }

  /** Goes back to the best transport (a probe found it works again). */
  upgrade(): void {
    this.index = 0;
    this.failuresBeforeOpen = 0;
    this.backoff.reset();
  }

  /** Skips any waiting time, e.g. when the browser comes back online. */
  resetDelay(): void {
    this.backoff.reset();
  }
}
