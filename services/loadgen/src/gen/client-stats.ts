import hdr from 'hdr-histogram-js';
import type { Counts } from './messages.js';

const MAX_VIOLATIONS = 5;

/** Mutable counters and the latency histogram (microseconds) shared by a generator's clients. */
export class ClientStats {
  sent = 0;
  acks = 0;
  received = 0;
  offsetGaps = 0;
  errors: Record<string, number> = {};
  closes: Record<string, number> = {};
  violations: string[] = [];
  histogram = hdr.build({ lowestDiscernibleValue: 1, highestTrackableValue: 120_000_000, numberOfSignificantValueDigits: 3 });

  /** Worst latency per 500 ms of the window, by arrival time: shows periodic stalls (GC, timers). */
  worstByHalfSecond: number[] = [];
  private windowStart = performance.now();

  /** Records one end-to-end latency in milliseconds. */
  recordLatencyMs(ms: number): void {
    const slot = Math.floor((performance.now() - this.windowStart) / 500);
    if (slot >= 0 && slot < 600 && ms > (this.worstByHalfSecond[slot] ?? 0)) this.worstByHalfSecond[slot] = ms;
    const micros = Math.round(ms * 1000);
    this.histogram.recordValue(micros < 1 ? 1 : micros > 120_000_000 ? 120_000_000 : micros);
  }

  countError(code: string): void {
    this.errors[code] = (this.errors[code] ?? 0) + 1;
  }

  countClose(code: number): void {
    this.closes[code] = (this.closes[code] ?? 0) + 1;
  }

  violation(what: string): void {
    if (this.violations.length < MAX_VIOLATIONS) this.violations.push(what.slice(0, 300));
  }

  snapshot(): Counts {
    return {
      sent: this.sent,
      acks: this.acks,
      received: this.received,
      offsetGaps: this.offsetGaps,
      errors: { ...this.errors },
      closes: { ...this.closes },
      violations: [...this.violations],
      worstByHalfSecond: Array.from(this.worstByHalfSecond, (ms) => Math.round(ms ?? 0)),
    };
  }

  /** Zeroes the per-window counters and the histogram (connection-level close counts are kept). */
  reset(): void {
    this.sent = 0;
    this.acks = 0;
    this.received = 0;
    this.offsetGaps = 0;
    this.errors = {};
    this.histogram.reset();
    this.worstByHalfSecond = [];
    this.windowStart = performance.now();
  }
}
