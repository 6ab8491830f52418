import { ChatError, ChatSession, decodeCursor, encodeCursor, encodeServerEvent, parseRoomList, validateNick, type Cursor } from '@chat/core';
import type { Context } from 'koa';
import type { GatewayContext } from '../context.js';
import { originAllowed } from './origin-policy.js';
import { SSE_HEADERS, sseEvent } from './sse-format.js';
import type { StreamHeartbeat } from './stream-heartbeat.js';

const RETRY_MS = 2000;
const DRAIN_RETRY_MS = 500;

function resumeCursor(ctx: Context): Cursor {
  const lastEventId = ctx.get('last-event-id') || (typeof ctx.query.lastEventId === 'string' ? ctx.query.lastEventId : '');
  if (!lastEventId) return new Map();
  try {
    return decodeCursor(lastEventId);
  } catch {
    // A browser may replay an id from another server or version: start fresh rather than fail.
    return new Map();
  }
}

/** `GET /sse?rooms=a,b&nick=…`: the JSON events of the rooms as an SSE stream, resumable on any node. */
export function sseHandler(context: GatewayContext, heartbeat: StreamHeartbeat) {
  return async (ctx: Context): Promise<void> => {
    const { config, metrics } = context;
    if (!originAllowed(ctx.req, config.allowedOrigins)) throw new ChatError('forbidden', 'origin not allowed');
    if (context.draining) throw new ChatError('draining', 'node draining, reconnect elsewhere');
    const identity = context.identify(ctx.req);
    const rooms = parseRoomList(ctx.query.rooms, config.maxRoomsPerConnection);
    const forbidden = rooms.find((room) => !identity.mayUseRoom(room));
    if (forbidden !== undefined) throw new ChatError('forbidden', `your token does not allow room '${forbidden}'`);
    const nick = identity.nick ?? (typeof ctx.query.nick === 'string' && ctx.query.nick !== '' ? validateNick(ctx.query.nick) : undefined);
    const cursor = resumeCursor(ctx);
    const release = context.admit(context.clientIp(ctx.req));
    if (!release) throw new ChatError('too_many_connections', 'too many connections from your address');

    ctx.respond = false;
    const response = ctx.res;
    response.writeHead(200, { ...SSE_HEADERS, 'X-Node-Id': config.nodeId });
    response.write(`retry: ${RETRY_MS}\n\n`);
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
        metrics.slowConsumers.sse += 1;
        end();
      }
    };

    const id = context.newSessionId();
    const session: ChatSession = new ChatSession({
      id,
      nick: nick ?? context.defaultNick(id),
      nodeId: config.nodeId,
      hub: context.hub,
      publish: context.publish,
      limits: { maxTextLength: config.maxTextLength, maxRooms: config.maxRoomsPerConnection, abuseThreshold: Number.POSITIVE_INFINITY },
      sendBucket: context.newSendBucket(),
      joinBucket: context.newJoinBucket(),
      mayUseRoom: identity.mayUseRoom,
      nickLocked: identity.nick !== undefined,
      output: {
        event: (event) => {
          if (event.type === 'error') metrics.clientError(event.code);
          const eventId = event.type === 'joined' ? encodeCursor(session.cursor()) : undefined;
          write(sseEvent(event.type, encodeServerEvent(event), eventId));
        },
        message: (envelope) => {
          metrics.deliveries.sse += 1;
          write(sseEvent('message', envelope.json, encodeCursor(session.cursor())));
        },
      },
    });
    const untrack = context.track({
      transport: 'sse',
      drain: () => {
        write(`retry: ${DRAIN_RETRY_MS}\n\n`);
        write(sseEvent('error', JSON.stringify({ type: 'error', code: 'draining', message: 'node draining, reconnect elsewhere' })));
        end();
      },
      terminate: () => response.destroy(),
    });
    const unwatch = heartbeat.add(response);
    response.once('close', () => {
      ended = true;
      release();
      unwatch();
      void session.close().finally(untrack);
    });

    session.welcome();
    for (const room of rooms) {
      try {
        await session.join(room, cursor.get(room));
      } catch (error) {
        // Typically the broker is down: say so and end; the browser retries and resumes.
        const chatError = error instanceof ChatError ? error : new ChatError('internal', 'internal error');
        write(sseEvent('error', JSON.stringify({ type: 'error', code: chatError.code, message: chatError.message, room })));
        end();
        return;
      }
    }
  };
}
