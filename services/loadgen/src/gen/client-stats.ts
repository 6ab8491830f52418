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

  /** Records one end-to-end latency in milliseconds. */
  recordLatencyMs(ms: number): void {
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
  }
}
