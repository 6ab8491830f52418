import type { CursorStore, MessageEnvelope } from '@chat/core';
import { ChatError, encodeServerEvent, messageEvent, parseRoomList, type Cursor, type ServerEvent } from '@chat/protocol';
import type { Context } from 'koa';
import { admit } from '../admission.js';
import type { GatewayContext } from '../context.js';
import type { ReadBudget } from '../http/read-budget.js';
import { openChatSession } from '../session-factory.js';
import { requestedNick } from './request-nick.js';
import { readCursor, StreamCursor, type CursorSnapshot } from './stream-cursor.js';

const DEFAULT_TIMEOUT_S = 25;
const MAX_TIMEOUT_S = 30;

function parseTimeout(value: unknown): number {
  if (value === undefined || value === '') return DEFAULT_TIMEOUT_S;
  if (typeof value !== 'string' || !/^\d+(\.\d+)?$/.test(value)) throw new ChatError('bad_request', 'timeout must be a number of seconds (0-30)');
  return Math.min(Number(value), MAX_TIMEOUT_S);
}

/**
 * What one poll answers: the events its session delivered, at most `maxBytes` of them, and the
 * cursor just after the last one kept (an event past the cap is read again by the next poll).
 */
class PollAnswer {
  readonly events: string[] = [];
  private bytes = 0;
  private wake: (() => void) | undefined;
  /** Set once the cap was reached: the answer is final. */
  full = false;

  /** The cursor after the last kept event (rooms not yet answered keep the position given). */
  cursor: Cursor;

  constructor(
    private readonly given: Cursor,
    private readonly maxBytes: number,
  ) {
    this.cursor = new Map(given);
  }

  /** Keeps one event; false (and the answer closes) when it would pass the cap. */
  add(json: string, cursorAfter: () => Cursor, position?: { room: string; epoch: string; offset: number }): boolean {
    if (this.full) return false;
    const size = Buffer.byteLength(json) + 1;
    if (this.events.length > 0 && this.bytes + size > this.maxBytes) {
      this.full = true;
      this.wake?.();
      return false;
    }
    this.events.push(json);
    this.bytes += size;
    this.advance(cursorAfter);
    // A resumed room's session position is already its last message: each kept one moves it.
    if (position) this.cursor.set(position.room, { epoch: position.epoch, offset: position.offset });
    this.wake?.();
    return true;
  }

  /** A `joined`: a clean resume of a room the client already had is just its missed messages. */
  joined(event: Extract<ServerEvent, { type: 'joined' }>, cursorAfter: () => Cursor): void {
    if (this.given.has(event.room) && event.recovered) {
      for (const message of event.messages) {
        if (!this.add(JSON.stringify(messageEvent(message)), cursorAfter, message)) return;
      }
      if (event.messages.length === 0 && !this.full) this.advance(cursorAfter);
    } else {
      this.add(encodeServerEvent(event), cursorAfter);
    }
  }

  private advance(cursorAfter: () => Cursor): void {
    this.cursor = new Map([...this.given, ...cursorAfter()]);
  }

  waitForEvents(timeoutMs: number, abort: AbortSignal): Promise<void> {
    if (this.events.length > 0 || this.full || timeoutMs <= 0) return Promise.resolve();
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
}

/**
 * `GET /poll?rooms=a,b&cursor=…&timeout=…`: stateless long-poll; any node answers any cursor. Each
 * request is a ChatSession like any other transport's, whose output is collected into the answer.
 */
export function pollHandler(context: GatewayContext, reads: ReadBudget, cursors: CursorStore) {
  return async (ctx: Context): Promise<void> => {
    const { config, metrics } = context;
    const { identity, rooms, ip, release } = await admit(context, ctx.req, 'poll', {
      rooms: () => parseRoomList(ctx.query.rooms, config.maxRoomsPerConnection),
    });
    let request: { cursor: Cursor; given: boolean; timeoutS: number; nick: string | undefined };
    let snapshot: CursorSnapshot | undefined;
    try {
      reads.spend(identity, ip);
      const resumed = typeof ctx.query.cursor === 'string' && ctx.query.cursor !== '' ? await readCursor(cursors, ctx.query.cursor) : undefined;
      const given = resumed?.cursor;
      snapshot = resumed?.snapshot;
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
    const answer = new PollAnswer(cursor, config.sendBufferBytes);
    const cursorAfter = (): Cursor => session.cursor();
    const session = openChatSession(context, {
      transport: 'poll',
      identity,
      nick,
      // A poller is shown in presence as a visit (below), not as a member of this request.
      announce: false,
      output: {
        event: (event) => {
          if (event.type === 'joined') answer.joined(event, cursorAfter);
          else if (event.type !== 'presence' && event.type !== 'welcome') answer.add(encodeServerEvent(event), cursorAfter);
        },
        message: (envelope: MessageEnvelope) => {
          answer.add(envelope.json, cursorAfter);
        },
      },
    });
    const abort = new AbortController();
    const untrack = context.track({ transport: 'poll', drain: () => abort.abort(), terminate: () => abort.abort() });
    ctx.req.once('close', () => abort.abort());
    try {
      // A poller with a nick is present while it keeps polling: each poll extends its visit past
      // the longest wait, and it expires (with a leave) once the polls stop.
      if (nick !== undefined) {
        const member = { id: `poll:${identity.user ?? ip}:${nick}`, nick, node: config.nodeId, ...(identity.user === undefined ? {} : { user: identity.user }) };
        const ttlMs = config.presenceTtlMs + MAX_TIMEOUT_S * 1000;
        await Promise.all(rooms.map((room) => context.broker.presenceTouch(room, member, ttlMs)));
      }
      await session.joinAll(rooms, cursor);
      // A poll ends by its token's exp at the latest; the next one needs a new token.
      const untilExpiry = identity.expiresAt === undefined ? Number.POSITIVE_INFINITY : identity.expiresAt - Date.now();
      if (given) await answer.waitForEvents(Math.min(timeoutS * 1000, untilExpiry), abort.signal);
    } finally {
      release();
      untrack();
      await session.close();
    }
    metrics.deliveries.poll += answer.events.length;
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'application/json';
    // Short whatever the number of rooms: a poll of many rooms stores its positions and answers their id.
    const answerCursor = await new StreamCursor(cursors, config.streamCursorTtlMs, snapshot).cursorFor(answer.cursor);
    ctx.body = `{"cursor":${JSON.stringify(answerCursor)},"events":[${answer.events.join(',')}]}`;
  };
}
