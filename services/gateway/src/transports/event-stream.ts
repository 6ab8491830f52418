import type { CursorStore } from '@chat/core';
import { ChatError, DISCONNECTS, encodeServerEvent, parseRoomList, type ErrorEvent } from '@chat/protocol';
import type { Context } from 'koa';
import { admit } from '../admission.js';
import { TokenLease } from '../auth/token-lease.js';
import type { GatewayContext } from '../context.js';
import { openChatSession } from '../session-factory.js';
import { requestedNick } from './request-nick.js';
import { PositionedWriter, readCursor, StreamCursor, type ResumePoint } from './stream-cursor.js';
import type { StreamFormat } from './stream-format.js';
import type { StreamHeartbeat } from './stream-heartbeat.js';

/** The cursor to resume from, and whether the one given was malformed (or expired); throws `unavailable`. */
async function resumeCursor(ctx: Context, format: StreamFormat, cursors: CursorStore): Promise<ResumePoint & { malformed: boolean }> {
  const text = format.requestCursor(ctx);
  if (!text) return { cursor: new Map(), malformed: false };
  try {
    return { ...(await readCursor(cursors, text)), malformed: false };
  } catch (error) {
    if (error instanceof ChatError && error.code === 'unavailable') throw error;
    return { cursor: new Map(), malformed: true };
  }
}

/**
 * `GET /sse`, `/xhr-stream`, `/pushlet` `?rooms=a,b&nick=…`: the JSON events of the rooms as one
 * long response in the format's framing, resumable on any node from the cursor it carries.
 */
export function eventStreamHandler(context: GatewayContext, heartbeat: StreamHeartbeat, format: StreamFormat, cursors: CursorStore) {
  return async (ctx: Context): Promise<void> => {
    const { config, metrics } = context;
    const { transport } = format;
    const { identity, rooms, release } = await admit(context, ctx.req, transport, { rooms: () => parseRoomList(ctx.query.rooms, config.maxRoomsPerConnection) });
    let nick: string | undefined;
    let resume: ResumePoint & { malformed: boolean };
    try {
      nick = identity.nick ?? requestedNick(ctx);
      resume = await resumeCursor(ctx, format, cursors);
    } catch (error) {
      release();
      throw error;
    }
    const { cursor, malformed, snapshot } = resume;

    ctx.respond = false;
    const response = ctx.res;
    response.writeHead(200, { ...format.headers, 'X-Node-Id': config.nodeId });
    response.write(format.preamble);
    let ended = false;
    const end = (): void => {
      if (ended) return;
      ended = true;
      response.end();
    };
    const write = (chunk: string): void => {
      if (ended) return;
      response.write(chunk);
      if (response.writableLength > config.sendBufferBytes) {
        metrics.slowConsumers[transport] += 1;
        // A client that does not read would never receive a polite end behind its backlog, and
        // the backlog would stay in memory: cut the connection. It reconnects and resumes.
        ended = true;
        response.destroy();
      }
    };

    const session = openChatSession(context, {
      transport,
      identity,
      nick,
      heartbeatMs: config.sseHeartbeatMs,
      output: {
        event: (event) => positioned.event(event.type, encodeServerEvent(event), event.type === 'joined' ? session.cursor() : undefined),
        message: (envelope) => {
          metrics.deliveries[transport] += 1;
          positioned.event('message', envelope.json, session.cursor());
        },
      },
    });
    const errorEvent = (error: ErrorEvent): string => format.event('error', JSON.stringify(error), undefined);
    // Every cursor it hands out stays short, whatever the number of rooms (compact past 256 bytes).
    const positioned = new PositionedWriter(new StreamCursor(cursors, config.streamCursorTtlMs, snapshot), (type, json, id) => write(format.event(type, json, id)), () => {
      write(errorEvent({ type: 'error', code: 'unavailable', message: 'the stream position could not be stored; reconnect' }));
      end();
    });
    const untrack = context.track({
      transport,
      drain: () => {
        write(format.drainPrefix);
        write(errorEvent({ type: 'error', code: 'draining', message: 'node draining, reconnect elsewhere' }));
        end();
      },
      terminate: () => response.destroy(),
    });
    const unwatch = heartbeat.add(response, format.heartbeat);
    // A stream cannot be refreshed: it ends at the token's exp, and the client reopens it with a new token.
    const lease = new TokenLease(identity, (token) => context.authenticate(token), () => {
      write(errorEvent({ type: 'error', code: 'token_expired', message: DISCONNECTS.token_expired.reason }));
      end();
    });
    response.once('close', () => {
      lease.stop();
      ended = true;
      release();
      unwatch();
      void session.close().finally(untrack);
    });

    session.welcome();
    if (malformed && format.reportsBadCursor) write(errorEvent({ type: 'error', code: 'bad_cursor', message: 'the cursor is not one this server issued; starting fresh' }));
    try {
      // The rooms of the request are one admission, however many (up to MAX_ROOMS_PER_CONNECTION).
      await session.joinAll(rooms, cursor);
    } catch (error) {
      // Typically the broker is down: say so and end; the browser retries and resumes.
      const chatError = error instanceof ChatError ? error : new ChatError('internal', 'internal error');
      const room = chatError.details?.room;
      write(errorEvent({ type: 'error', code: chatError.code, message: chatError.message, ...(typeof room === 'string' ? { room } : {}) }));
      end();
    }
  };
}
