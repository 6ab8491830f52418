import { isRetryable, type AckEvent, type ErrorEvent, type RoomPosition } from '@chat/protocol';
import type { ClientEmitter } from './client-events.js';
import { Outbox, type PendingSend } from './outbox.js';

/** A stored send: where the message is in its room. */
export interface SendAck extends RoomPosition {
  readonly room: string;
  readonly cid: string;
  readonly ts: number;
  /** The server had stored this cid before (a retry): nothing new was stored. */
  readonly duplicate: boolean;
}

/** A send the server refused for good (not a temporary failure: those are retried). */
export class SendError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly cid: string,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

/** Where the queue hands a send to: the current transport, when the connection is up. */
export interface SendLink {
  /** Whether a send can go out now. */
  ready(): boolean;
  write(item: PendingSend): void;
  /** A stored message of this client and its author key (the proof an edit or delete needs without auth). */
  stored(room: string, offset: number, key: string): void;
}

interface AckWaiter {
  resolve(ack: SendAck): void;
  reject(error: SendError): void;
}

const RESEND_CHECK_MS = 1_000;
const RESEND_AFTER_MS = 8_000;
/** How soon a send that failed for a temporary reason is tried again, unless the server says. */
export const TRANSIENT_RETRY_MS = 1_000;

/**
 * The outbox and its retries: every send waits here, with its cid, until the server acks it;
 * it is re-sent on reconnect, after a temporary refusal, and when no answer came for a while.
 */
export class SendQueue {
  private readonly outbox = new Outbox();
  private readonly ackWaiters = new Map<string, AckWaiter>();
  private holdSendsUntil = 0;
  private resendTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly emitter: ClientEmitter,
    private readonly link: SendLink,
  ) {}

  start(): void {
    clearInterval(this.resendTimer);
    this.resendTimer = setInterval(() => this.resendDue(RESEND_AFTER_MS), RESEND_CHECK_MS);
  }

  stop(): void {
    clearInterval(this.resendTimer);
    this.resendTimer = undefined;
  }

  send(room: string, text: string): Promise<SendAck> {
    const item = this.outbox.add(room, text);
    const acked = new Promise<SendAck>((resolve, reject) => this.ackWaiters.set(item.cid, { resolve, reject }));
    this.emitOutbox();
    if (this.canSend() && this.outbox.attempt(item)) this.link.write(item);
    return acked;
  }

  discard(cid: string): void {
    this.outbox.discard(cid);
    this.ackWaiters.get(cid)?.reject(new SendError('discarded', 'the send was discarded', cid));
    this.ackWaiters.delete(cid);
    this.emitOutbox();
  }

  list(): readonly PendingSend[] {
    return this.outbox.list();
  }

  /** Sends every pending send not attempted within `olderThanMs` (0: all of them, e.g. after a reconnect). */
  resendDue(olderThanMs: number): void {
    if (!this.canSend()) return;
    const due = this.outbox.due(olderThanMs);
    for (const item of due) {
      if (this.outbox.attempt(item)) this.link.write(item);
      else this.settleFailed(item.cid, 'not_acknowledged');
    }
    if (due.length > 0) this.emitOutbox();
  }

  onAck(event: AckEvent): void {
    if (event.cid === null) return;
    const item = this.outbox.ack(event.cid);
    const waiter = this.ackWaiters.get(event.cid);
    this.ackWaiters.delete(event.cid);
    waiter?.resolve({ room: event.room, epoch: event.epoch, offset: event.offset, ts: event.ts, cid: event.cid, duplicate: event.duplicate });
    const key = item?.key ?? event.key;
    if (key !== undefined) this.link.stored(event.room, event.offset, key);
    if (item) this.emitOutbox();
  }

  /** A server error about a send: a temporary one holds sends and retries; a final one fails it. Returns whether it was about a send. */
  onError(event: ErrorEvent, transient: boolean, retryInMs: number): boolean {
    if (transient && (event.cid !== undefined || event.for === 'send')) {
      this.holdSendsUntil = Date.now() + retryInMs;
      if (event.cid !== undefined) this.outbox.retryIn(event.cid, retryInMs);
      return true;
    }
    if (event.cid === undefined) return false;
    this.outbox.fail(event.cid, event.message);
    this.settleFailed(event.cid, event.code);
    this.emitOutbox();
    return false;
  }

  private canSend(): boolean {
    return this.link.ready() && Date.now() >= this.holdSendsUntil;
  }

  /** Rejects the send's promise once the outbox has given up on it. */
  private settleFailed(cid: string, code: string): void {
    const item = this.outbox.get(cid);
    if (item?.state !== 'failed') return;
    this.ackWaiters.get(cid)?.reject(new SendError(code, item.error ?? 'the send failed', cid));
    this.ackWaiters.delete(cid);
  }

  private emitOutbox(): void {
    this.emitter.emit('outbox', this.outbox.list());
  }
}

/** Whether a server error is temporary (retry the same request), and after how long. */
export function retryOf(event: ErrorEvent): { transient: boolean; retryInMs: number } {
  return { transient: event.retryAfterMs !== undefined || isRetryable(event.code), retryInMs: event.retryAfterMs ?? TRANSIENT_RETRY_MS };
}
