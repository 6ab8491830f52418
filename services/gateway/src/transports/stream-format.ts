import type { ServerEventType } from '@chat/protocol';
import type { Context } from 'koa';

/** How one streaming transport frames the protocol's events in a long HTTP response. */
export interface StreamFormat {
  readonly transport: 'sse' | 'xhr_stream' | 'pushlet';
  readonly headers: Readonly<Record<string, string>>;
  /** Written first: reconnect hints, padding that makes buffering proxies and browsers start. */
  readonly preamble: string;
  /** Keeps proxies and clients from timing the stream out; written every SSE_HEARTBEAT_MS. */
  readonly heartbeat: string;
  /** Told to a client before its node closes the stream to drain, ahead of the `draining` error. */
  readonly drainPrefix: string;
  /** The resume cursor the request carries ('' when none). */
  requestCursor(ctx: Context): string;
  /**
   * Whether a malformed cursor is reported (`error {code: bad_cursor}`) before the stream starts
   * fresh. SSE does not: a browser may replay an id from another server or version by itself.
   */
  readonly reportsBadCursor: boolean;
  /** One event; `cursor` is the stream position after it, for the events that have one. */
  event(type: ServerEventType, json: string, cursor: string | undefined): string;
}
