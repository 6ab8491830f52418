import { ChatError } from '@chat/protocol';
import { TokenBucket } from './token-bucket.js';

/** Frames that carry no message but cost Redis work and fan-out: each kind has its own budget. */
export type BudgetedFrame = 'nick' | 'read' | 'typing' | 'history';

export interface FrameBudgetLimits {
  /** Tokens a second for each kind (0 = no limit). */
  readonly perSec: number;
  readonly burst: number;
  /** Refusals in a row after which the client is an abuser. */
  readonly abuseAfter: number;
}

/**
 * One connection's budgets for `nick`, `read`, `typing` and `history` frames (RATE_FRAMES_*), checked
 * before anything reaches the broker: a frame past its budget is refused with `rate_limited`.
 */
export class FrameBudgets {
  /** Made on the first budgeted frame: an idle connection should cost as little memory as possible. */
  private buckets: Map<BudgetedFrame, TokenBucket> | undefined;
  private refusedInARow = 0;

  constructor(private readonly limits: FrameBudgetLimits) {}

  /**
   * Takes `cost` tokens of the kind's budget (capped at the burst, so a costly frame still gets
   * through now and then); throws `rate_limited` with `retryAfterMs` when they are not there.
   */
  spend(kind: BudgetedFrame, cost = 1): void {
    const { perSec, burst } = this.limits;
    if (perSec <= 0) return;
    const buckets = (this.buckets ??= new Map<BudgetedFrame, TokenBucket>());
    let bucket = buckets.get(kind);
    if (!bucket) {
      bucket = new TokenBucket(perSec, burst);
      buckets.set(kind, bucket);
    }
    const waitMs = bucket.take(Math.min(Math.max(1, cost), burst));
    if (waitMs === 0) {
      this.refusedInARow = 0;
      return;
    }
    this.refusedInARow += 1;
    throw new ChatError('rate_limited', `too many ${kind} frames; slow down`, { retryAfterMs: waitMs });
  }

  /** The client keeps sending frames that are refused: disconnect it. */
  get abusive(): boolean {
    return this.refusedInARow >= this.limits.abuseAfter;
  }
}
