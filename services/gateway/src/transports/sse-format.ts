import { HEARTBEAT_TYPE, STREAM_HEARTBEAT } from '@chat/protocol';
import type { StreamFormat } from './stream-format.js';

/** One SSE event. `type` and `id` are ours (no CR/LF possible); `data` is JSON on one line. */
export function sseEvent(type: string, data: string, id?: string): string {
  return id === undefined ? `event: ${type}\ndata: ${data}\n\n` : `event: ${type}\nid: ${id}\ndata: ${data}\n\n`;
}

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
} as const;

const RETRY_MS = 2000;
const DRAIN_RETRY_MS = 500;

/** `GET /sse`: EventSource's format; the cursor is the event id, so the browser resumes by itself. */
export const SSE_FORMAT: StreamFormat = {
  transport: 'sse',
  headers: SSE_HEADERS,
  preamble: `retry: ${RETRY_MS}\n\n`,
  // A named event, not a `:` comment: EventSource hides comments from the page.
  heartbeat: sseEvent(HEARTBEAT_TYPE, STREAM_HEARTBEAT),
  drainPrefix: `retry: ${DRAIN_RETRY_MS}\n\n`,
  requestCursor: (ctx) => ctx.get('last-event-id') || (typeof ctx.query.lastEventId === 'string' ? ctx.query.lastEventId : ''),
  reportsBadCursor: false,
  event: (type, json, cursor) => sseEvent(type, json, cursor),
};
