import { STREAM_HEARTBEAT, STREAM_PADDING_BYTES, withCursor } from '@chat/protocol';
import type { StreamFormat } from './stream-format.js';

/**
 * `GET /xhr-stream`: XMLHttpRequest/fetch streaming, one JSON event per line. The first line is
 * blank padding (clients skip blank lines) so that buffering proxies pass the stream on at once.
 */
export const NDJSON_FORMAT: StreamFormat = {
  transport: 'xhr_stream',
  headers: {
    'Content-Type': 'application/x-ndjson; charset=utf-8',
    'Cache-Control': 'no-cache, no-store, no-transform',
    'X-Accel-Buffering': 'no',
  },
  preamble: `${' '.repeat(STREAM_PADDING_BYTES)}\n`,
  heartbeat: `${STREAM_HEARTBEAT}\n`,
  drainPrefix: '',
  requestCursor: (ctx) => (typeof ctx.query.cursor === 'string' ? ctx.query.cursor : ''),
  reportsBadCursor: true,
  event: (_type, json, cursor) => `${cursor === undefined ? json : withCursor(json, cursor)}\n`,
};
