import { TokenBucket } from '@chat/core';
import { ChatError } from '@chat/protocol';
import type { Identity } from '../auth/identity.js';
import type { GatewayContext } from '../context.js';
import { KeyedBuckets } from './keyed-buckets.js';

/**
 * The budget of HTTP reads (history, presence, polls) and read marks (RATE_READS_*): per user with
 * auth, per client address without; past it `rate_limited` (429 with Retry-After). Each node keeps
 * its own buckets: a client spread over N nodes gets N budgets, as with anonymous POSTs.
 */
export class ReadBudget {
  private readonly buckets: KeyedBuckets | undefined;

  constructor(private readonly context: GatewayContext) {
    const { perSec, burst } = context.config.rateReads;
    this.buckets = perSec > 0 ? new KeyedBuckets(() => new TokenBucket(perSec, burst)) : undefined;
  }

  /** Spends one read of this caller; throws `rate_limited` when the budget is used up. */
  spend(identity: Identity, ip: string): void {
    const waitMs = this.buckets?.take(identity.user === undefined ? `ip:${ip}` : `user:${identity.user}`) ?? 0;
    if (waitMs === 0) return;
    this.context.metrics.limitViolation('read_rate');
    throw new ChatError('rate_limited', 'too many reads; slow down', { retryAfterMs: waitMs });
  }

  stop(): void {
    this.buckets?.stop();
  }
}
