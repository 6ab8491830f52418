import type { HubDelivery, HubMember } from '@chat/core';
import { ChatError, decodeCursor, encodeCursor, encodeServerEvent, messageEvent, parseRoomList, type Cursor } from '@chat/protocol';
import type { Context } from 'koa';
import { admit } from '../admission.js';
import type { GatewayContext } from '../context.js';
import type { ReadBudget } from '../http/read-budget.js';
import { requestedNick } from './request-nick.js';

const DEFAULT_TIMEOUT_S = 25;
const MAX_TIMEOUT_S = 30;

function parseTimeout(value: unknown): number {
  if (value === undefined) return DEFAULT_TIMEOUT_S;
  if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value)) throw new ChatError('bad_request', 'timeout must be a number of seconds (0-30)');
  return Math.min(Number(value), MAX_TIMEOUT_S);
}

/**
 * Collects what one poll request owes its client. It joins the rooms like any member (so it sees
 * history after the cursor and then live messages) and leaves them when the request ends. What it
 * collects is bounded by `maxBytes` (SEND_BUFFER_BYTES): past it the answer is full, the cursor
 * stays at the last event collected, and the next poll goes on from there (the first event always
 * fits, so every poll moves forward).
 */
class PollCollector implements HubMember {
  readonly events: string[] = [];
  private bytes = 0;
  private full = false;
  private wake: (() => void) | undefined;
  private collecting = true;

  constructor(
    readonly id: string,
    readonly nick: string,
    private readonly cursor: Cursor,
    private readonly maxBytes: number,
  ) {}

  deliver(delivery: HubDelivery): void {
    if (!this.collecting || this.full) return;
    switch (delivery.kind) {
      case 'joined': {
        const { event } = delivery;
        const previous = this.cursor.get(event.room);
        const resumedCleanly = previous !== undefined && event.recovered;
        if (!resumedCleanly) {
          if (this.add(encodeServerEvent(event))) this.cursor.set(event.room, { epoch: event.epoch, offset: event.offset });
          break;
        }
        for (const message of event.messages) {
          if (!this.add(JSON.stringify(messageEvent(message)))) break;
          this.cursor.set(event.room, { epoch: event.epoch, offset: message.offset });
        }
        if (!this.full) this.cursor.set(event.room, { epoch: event.epoch, offset: event.offset });
        break;
      }
      case 'message':
        if (this.add(delivery.envelope.json)) this.cursor.set(delivery.envelope.message.room, { epoch: delivery.envelope.message.epoch, offset: delivery.envelope.message.offset });
        break;
      case 'reset':
        if (this.add(JSON.stringify({ type: 'joined', room: delivery.room, ...delivery.position, recovered: false, messages: [], presence: [] }))) this.cursor.set(delivery.room, delivery.position);
        break;
      case 'signal':
        this.add(JSON.stringify(delivery.event));
        break;
      case 'presence':
        return;
    }
    this.wake?.();
  }

  /** Takes one event unless the answer would pass maxBytes (then it is full); the first always fits. */
  private add(json: string): boolean {
    const size = Buffer.byteLength(json) + 1;
    if (this.events.length > 0 && this.bytes + size > this.maxBytes) {
      this.full = true;
      return false;
    }
    this.events.push(json);
    this.bytes += size;
    return true;
  }

  waitForEvents(timeoutMs: number, abort: AbortSignal): Promise<void> {
    if (this.events.length > 0 || timeoutMs <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        abort.removeEventListener('abort', done);
        this.wake = undefined;
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      abort.addEventListener('abort', done);
      this.wake = done;
    });
  }

  stop(): void {
    this.collecting = false;
  }
}

/** `GET /poll?rooms=a,b&cursor=…&timeout=…`: stateless long-poll; any node answers any cursor. */
export function pollHandler(context: GatewayContext, reads: ReadBudget) {
  return async (ctx: Context): Promise<void> => {
    const { config, metrics } = context;
    let request: { cursor: Cursor; given: boolean; timeoutS: number; nick: string | undefined } | undefined;
    const { identity, rooms, ip, release } = await admit(context, ctx.req, 'poll', {
      rooms: () => parseRoomList(ctx.query.rooms, config.maxRoomsPerConnection),
    });
    try {
      reads.spend(identity, ip);
      const given = typeof ctx.query.cursor === 'string' && ctx.query.cursor !== '' ? decodeCursor(ctx.query.cursor) : undefined;
      request = {
        cursor: new Map(given ? [...given].filter(([room]) => rooms.includes(room)) : []),
        given: given !== undefined,
        timeoutS: parseTimeout(ctx.query.timeout),
        nick: identity.nick ?? requestedNick(ctx),
      };
    } catch (error) {
      release();
      throw error;
    }
    const { cursor, given, timeoutS, nick } = request;
    const id = context.newSessionId();
    const collector = new PollCollector(id, nick ?? context.defaultNick(id), cursor, config.sendBufferBytes);
    const abort = new AbortController();
    const untrack = context.track({ transport: 'poll', drain: () => abort.abort(), terminate: () => abort.abort() });
    ctx.req.once('close', () => abort.abort());
    try {
      // A poller with a nick is present while it keeps polling: each poll extends its entry past
      // the longest wait, and it expires (with a leave) once the polls stop.
      if (nick !== undefined) {
        const member = { id: `poll:${identity.user ?? ip}:${nick}`, nick, node: config.nodeId, ...(identity.user === undefined ? {} : { user: identity.user }) };
        const ttlMs = config.presenceTtlMs + MAX_TIMEOUT_S * 1000;
        await Promise.all(rooms.map((room) => context.broker.presenceTouch(room, member, ttlMs)));
      }
      await Promise.all(rooms.map((room) => {
        const since = cursor.get(room);
        const reader = identity.user ?? collector.nick;
        return context.hub.join(room, collector, since ? { since, announce: false, reader } : { announce: false, reader });
      }));
      // A poll ends by its token's exp at the latest; the next one needs a new token.
      const untilExpiry = identity.expiresAt === undefined ? Number.POSITIVE_INFINITY : identity.expiresAt - Date.now();
      if (given) await collector.waitForEvents(Math.min(timeoutS * 1000, untilExpiry), abort.signal);
    } finally {
      collector.stop();
      release();
      untrack();
      await Promise.allSettled(rooms.map((room) => context.hub.leave(room, collector)));
    }
    metrics.deliveries.poll += collector.events.length;
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'application/json';
    ctx.body = `{"cursor":${JSON.stringify(encodeCursor(cursor))},"events":[${collector.events.join(',')}]}`;
  };
}
