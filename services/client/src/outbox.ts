import { newCid } from './cid.js';

export type SendState = 'pending' | 'failed';

/** A message the user sent that the server has not acknowledged yet. */
export interface PendingSend {
  readonly cid: string;
  /** The author key sent with it: without auth, what later proves this client wrote the message. */
  readonly key: string;
  readonly room: string;
  readonly text: string;
  readonly createdAt: number;
  attempts: number;
  lastAttemptAt: number;
  /** Set after a temporary failure: due again from this time, before the usual resend wait. */
  retryAt?: number;
  state: SendState;
  error?: string;
}

const MAX_ATTEMPTS = 8;

/** Unacknowledged sends, in order; a retried send keeps its cid so the server stores it once. */
export class Outbox {
  private readonly items = new Map<string, PendingSend>();

  add(room: string, text: string): PendingSend {
    const item: PendingSend = { cid: newCid(), key: newCid(), room, text, createdAt: Date.now(), attempts: 0, lastAttemptAt: 0, state: 'pending' };
    this.items.set(item.cid, item);
    return item;
  }

  get(cid: string): PendingSend | undefined {
    return this.items.get(cid);
  }

  /** Removes and returns the send the server acknowledged. */
  ack(cid: string): PendingSend | undefined {
    const item = this.items.get(cid);
    this.items.delete(cid);
    return item;
  }

  /** Marks one attempt; past the limit the send is failed and shown as such. */
  attempt(item: PendingSend): boolean {
    if (item.state === 'failed') return false;
    if (item.attempts >= MAX_ATTEMPTS) {
      this.fail(item.cid, 'not acknowledged after several attempts');
      return false;
    }
    item.attempts += 1;
    item.lastAttemptAt = Date.now();
    delete item.retryAt;
    return true;
  }

  /** A temporary failure (unavailable, rate limited, the request lost): try again after `delayMs`. */
  retryIn(cid: string, delayMs: number, now = Date.now()): void {
    const item = this.items.get(cid);
    if (item?.state === 'pending') item.retryAt = now + delayMs;
  }

  fail(cid: string, error: string): void {
    const item = this.items.get(cid);
    if (!item) return;
    item.state = 'failed';
    item.error = error;
  }

  /** Drops a failed send the user dismissed. */
  discard(cid: string): void {
    this.items.delete(cid);
  }

  /** Pending sends not attempted within `olderThanMs`, oldest first. */
  due(olderThanMs: number, now = Date.now()): PendingSend[] {
    return this.list().filter((item) => item.state === 'pending' && (now - item.lastAttemptAt >= olderThanMs || (item.retryAt !== undefined && now >= item.retryAt)));
  }

  list(): PendingSend[] {
    return [...this.items.values()];
  }
}
