import type { TokenBucket } from '@chat/core';

/** Token buckets per key (client IP), forgotten after a minute of silence so the map stays small. */
export class KeyedBuckets {
  private buckets = new Map<string, TokenBucket>();
  private previous = new Map<string, TokenBucket>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly create: () => TokenBucket) {
    this.timer = setInterval(() => {
      this.previous = this.buckets;
      this.buckets = new Map();
    }, 60_000);
    this.timer.unref();
  }

  /** 0 when allowed, else milliseconds to wait. */
  take(key: string): number {
    let bucket = this.buckets.get(key) ?? this.previous.get(key);
    if (!bucket) bucket = this.create();
    this.buckets.set(key, bucket);
    return bucket.take();
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
