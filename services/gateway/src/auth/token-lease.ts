import { ChatError } from '@chat/protocol';
import type { Identity } from './identity.js';

/** setTimeout's longest delay (about 24.8 days); a later expiry is reached in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** How a lease checks a newer token: the node's authenticator. */
export type Authenticate = (token: string) => Promise<Identity>;

/**
 * How long one connection may live on its token: until the token's `exp`, then `onExpired`
 * (the transport closes with `token_expired`), unless a newer token of the same user came first.
 * Without `exp` (auth off, or AUTH_REQUIRE_EXP=false) it never expires.
 */
export class TokenLease {
  private expiresAt: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly identity: Identity,
    private readonly authenticate: Authenticate,
    private readonly onExpired: () => void,
  ) {
    this.expiresAt = identity.expiresAt;
    this.schedule();
  }

  /** Takes a newer token of the same user; resolves its `exp` in seconds. Rejects with `unauthorized` or `forbidden`. */
  readonly refresh = async (token: string): Promise<number> => {
    if (this.identity.user === undefined) throw new ChatError('bad_request', 'nothing to refresh: this connection has no token');
    const next = await this.authenticate(token);
    if (next.user !== this.identity.user) throw new ChatError('forbidden', 'a refresh token must be for the same user (sub)');
    if (next.expiresAt === undefined && this.expiresAt !== undefined) throw new ChatError('unauthorized', 'token has no exp');
    if (next.expiresAt !== undefined && this.expiresAt !== undefined && next.expiresAt < this.expiresAt) {
      throw new ChatError('bad_request', 'the refresh token expires before the current one');
    }
    this.expiresAt = next.expiresAt;
    this.schedule();
    return Math.floor((this.expiresAt ?? 0) / 1000);
  };

  /** The connection closed: forget the timer. */
  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private schedule(): void {
    clearTimeout(this.timer);
    if (this.stopped || this.expiresAt === undefined) return;
    const left = this.expiresAt - Date.now();
    if (left <= 0) {
      this.stopped = true;
      this.onExpired();
      return;
    }
    this.timer = setTimeout(() => this.schedule(), Math.min(left, MAX_TIMER_MS));
    this.timer.unref();
  }
}
