import { ChatError, decodeCursor, encodeCursor, encodeServerEvent, parseRoomList, type Cursor, type ErrorEvent } from '@chat/protocol';
import type { Context } from 'koa';
import { admit } from '../admission.js';
import type { GatewayContext } from '../context.js';
import { openChatSession } from '../session-factory.js';
import { requestedNick } from './request-nick.js';
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

const errorEvent = (error: ErrorEvent): string => sseEvent('error', JSON.stringify(error));

/** `GET /sse?rooms=a,b&nick=…`: the JSON events of the rooms as an SSE stream, resumable on any node. */
export function sseHandler(context: GatewayContext, heartbeat: StreamHeartbeat) {
  return async (ctx: Context): Promise<void> => {
    const { config, metrics } = context;
    const { identity, rooms, release } = await admit(context, ctx.req, 'sse', { rooms: () => parseRoomList(ctx.query.rooms, config.maxRoomsPerConnection) });
    let nick: string | undefined;
    try {
      nick = identity.nick ?? requestedNick(ctx);
    } catch (error) {
      release();
      throw error;
    }
    const cursor = resumeCursor(ctx);

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

    const session = openChatSession(context, {
      transport: 'sse',
      identity,
      nick,
      output: {
        event: (event) => {
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
        write(errorEvent({ type: 'error', code: 'draining', message: 'node draining, reconnect elsewhere' }));
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
        write(errorEvent({ type: 'error', code: chatError.code, message: chatError.message, room }));
        end();
        return;
      }
    }
  };
}
