const monotonicNow = (): number => performance.now();

/** A token bucket: `ratePerSec` tokens a second, at most `burst` saved up. Rate 0 = unlimited. */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;

  constructor(
    private readonly ratePerSec: number,
    private readonly burst: number,
    private readonly now: () => number = monotonicNow,
  ) {
    this.tokens = burst;
    this.updatedAt = now();
  }

  /** Takes `cost` tokens (one by default); returns 0 when allowed, else the milliseconds until they are available. */
  take(cost = 1): number {
    if (this.ratePerSec <= 0) return 0;
    const now = this.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.updatedAt) / 1000) * this.ratePerSec);
    this.updatedAt = now;
    if (this.tokens >= cost) {
      this.tokens -= cost;
      return 0;
    }
    return Math.ceil(((cost - this.tokens) / this.ratePerSec) * 1000);
  }
}
