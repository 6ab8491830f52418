import { STREAM_HEARTBEAT, STREAM_PADDING_BYTES, pushletScript, withCursor } from '@chat/protocol';
import type { StreamFormat } from './stream-format.js';

/**
 * `GET /pushlet`: the forever frame. An HTML page loaded in a hidden iframe that never ends; each
 * event is a script calling `parent.chatPush(<event>)`, its JSON escaped so no text can close the
 * script. Padded past the 1–4 KB that old browsers buffer before they run anything.
 */
export const PUSHLET_FORMAT: StreamFormat = {
  transport: 'pushlet',
  headers: {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-cache, no-store, no-transform',
    'X-Accel-Buffering': 'no',
    // The frame talks to its parent page only; no other site may embed it.
    'X-Frame-Options': 'SAMEORIGIN',
    'Content-Security-Policy': "default-src 'none'; script-src 'unsafe-inline'; frame-ancestors 'self'",
  },
  preamble: `<!DOCTYPE html><html><head><meta charset="utf-8"><title>chat stream</title></head><body>\n<!--${' '.repeat(STREAM_PADDING_BYTES)}-->\n`,
  heartbeat: pushletScript(STREAM_HEARTBEAT),
  drainPrefix: '',
  requestCursor: (ctx) => (typeof ctx.query.cursor === 'string' ? ctx.query.cursor : ''),
  reportsBadCursor: true,
  event: (_type, json, cursor) => pushletScript(cursor === undefined ? json : withCursor(json, cursor)),
};
