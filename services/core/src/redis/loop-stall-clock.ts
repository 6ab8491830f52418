const TICK_MS = 100;

/** A moment on the clock: wall time and the stall time summed so far. */
export interface LoopMark {
  readonly at: number;
  readonly stalledMs: number;
}

/**
 * How long this process's event loop was unable to run timers. A silence measured across a
 * stalled loop says nothing about the link: the replies may be waiting unread in the socket.
 * One timer ticks every 100 ms; whatever it comes late is stall time. `responsiveSince(mark)` is
 * the time since `mark` minus the stall time since then: the time in which a reply could have
 * been read. A busy node (20,000 clients joining at once, a 2-core machine at load 18) is then
 * not taken for a cut one, while a cut link on an idle node is timed as before.
 */
export class LoopStallClock {
  private stalledMs = 0;
  private expected = 0;
  private timer: NodeJS.Timeout | undefined;

  start(): void {
    if (this.timer) return;
    this.expected = performance.now() + TICK_MS;
    this.timer = setInterval(() => {
      const now = performance.now();
      this.stalledMs += Math.max(0, now - this.expected);
      this.expected = now + TICK_MS;
    }, TICK_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  mark(): LoopMark {
    const at = performance.now();
    return { at, stalledMs: this.stalledAt(at) };
  }

  /** Milliseconds since `mark` during which the loop ran (an unfinished stall counts as stall). */
  responsiveSince(mark: LoopMark): number {
    const now = performance.now();
    return now - mark.at - (this.stalledAt(now) - mark.stalledMs);
  }

  private stalledAt(now: number): number {
    return this.timer ? this.stalledMs + Math.max(0, now - this.expected) : 0;
  }
}
