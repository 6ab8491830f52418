import type { HubDelivery, HubMember } from '@chat/core';
import { ChatError, decodeCursor, encodeCursor, encodeServerEvent, messageEvent, parseRoomList, type Cursor } from '@chat/protocol';
import type { Context } from 'koa';
import { admit } from '../admission.js';
import type { GatewayContext } from '../context.js';
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
 * history after the cursor and then live messages) and leaves them when the request ends.
 */
class PollCollector implements HubMember {
  readonly events: string[] = [];
  private wake: (() => void) | undefined;
  private collecting = true;

  constructor(
    readonly id: string,
    readonly nick: string,
    private readonly cursor: Cursor,
  ) {}

  deliver(delivery: HubDelivery): void {
    if (!this.collecting) return;
    switch (delivery.kind) {
      case 'joined': {
        const { event } = delivery;
        const previous = this.cursor.get(event.room);
        this.cursor.set(event.room, { epoch: event.epoch, offset: event.offset });
        const resumedCleanly = previous !== undefined && event.recovered;
        if (!resumedCleanly) this.events.push(encodeServerEvent(event));
        else for (const message of event.messages) this.events.push(JSON.stringify(messageEvent(message)));
        break;
      }
      case 'message':
        this.cursor.set(delivery.envelope.message.room, { epoch: delivery.envelope.message.epoch, offset: delivery.envelope.message.offset });
        this.events.push(delivery.envelope.json);
        break;
      case 'reset':
        this.cursor.set(delivery.room, delivery.position);
        this.events.push(JSON.stringify({ type: 'joined', room: delivery.room, ...delivery.position, recovered: false, messages: [], presence: [] }));
        break;
      case 'signal':
        this.events.push(JSON.stringify(delivery.event));
        break;
      case 'presence':
        return;
    }
    this.wake?.();
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
export function pollHandler(context: GatewayContext) {
  return async (ctx: Context): Promise<void> => {
    const { config, metrics } = context;
    let request: { cursor: Cursor; given: boolean; timeoutS: number; nick: string | undefined } | undefined;
    const { identity, rooms, ip, release } = await admit(context, ctx.req, 'poll', {
      rooms: () => parseRoomList(ctx.query.rooms, config.maxRoomsPerConnection),
    });
    try {
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
    const collector = new PollCollector(id, nick ?? context.defaultNick(id), cursor);
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
