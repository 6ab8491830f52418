import type { IncomingHttpHeaders } from 'node:http';

/** Error codes a client may see (services/core errors.ts, plus the router's 405). */
export const KNOWN_ERROR_CODES = new Set([
  'bad_json', 'bad_request', 'unknown_type', 'invalid_room', 'invalid_nick', 'invalid_text', 'text_too_long', 'frame_too_big', 'headers_too_large',
  'binary_not_supported', 'bad_cursor', 'not_joined', 'too_many_rooms', 'rate_limited', 'too_many_connections', 'unauthorized',
  'forbidden', 'not_found', 'unavailable', 'draining', 'internal', 'method_not_allowed',
]);

/** Server → client frame types of the JSON protocol. */
export const KNOWN_FRAME_TYPES = new Set(['welcome', 'joined', 'left', 'message', 'presence', 'ack', 'nick', 'pong', 'error']);

/** Documented WebSocket close codes a fuzzer may cause (1007 invalid UTF-8 from ws itself). */
export const FUZZ_CLOSE_CODES = new Set([1007, 1008, 1009]);

export const ALLOWED_STATUSES = new Set([200, 201, 400, 401, 403, 404, 405, 408, 413, 414, 429, 431, 503]);

/** `internal` is documented but means the server failed: a fuzzer must never cause it. */
const FORBIDDEN_CODES = new Set(['internal']);

/** Throws unless `text` is one documented server frame; returns its type (or `error:<code>`). */
export function checkWsFrame(text: string): string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new Error(`server frame is not JSON: ${text.slice(0, 200)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new Error(`server frame is not an object: ${text.slice(0, 200)}`);
  const frame = value as Record<string, unknown>;
  if (typeof frame.type !== 'string' || !KNOWN_FRAME_TYPES.has(frame.type)) throw new Error(`unknown server frame type: ${text.slice(0, 200)}`);
  if (frame.type !== 'error') return frame.type;
  if (typeof frame.code !== 'string' || !KNOWN_ERROR_CODES.has(frame.code) || FORBIDDEN_CODES.has(frame.code)) throw new Error(`undocumented error code: ${text.slice(0, 200)}`);
  if (typeof frame.message !== 'string' || frame.message.length === 0) throw new Error(`error without a message: ${text.slice(0, 200)}`);
  return `error:${frame.code}`;
}

/** Line-protocol replies: the three documented line kinds. */
export function checkLine(line: string): string {
  const match = /^(status|output|clock) ! /.exec(line);
  if (!match) throw new Error(`undocumented line: ${JSON.stringify(line.slice(0, 200))}`);
  if (line.startsWith('status ! internal')) throw new Error(`internal error line: ${line.slice(0, 200)}`);
  return match[1]!;
}

export interface HttpReply {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

/** Throws unless the answer has a documented status and, for errors, a JSON error body; returns a tally key. */
export function checkHttpReply(reply: HttpReply, { staticPath = false } = {}): string {
  if (!ALLOWED_STATUSES.has(reply.status)) throw new Error(`undocumented status ${reply.status}: ${reply.body.slice(0, 200)}`);
  if (reply.status < 400) return String(reply.status);
  const type = String(reply.headers['content-type'] ?? '');
  if (reply.status === 404 && staticPath && type.startsWith('text/plain') && reply.body.startsWith('no file: ')) return '404:no_file';
  if (!type.startsWith('application/json')) throw new Error(`${reply.status} error with content-type '${type}': ${reply.body.slice(0, 200)}`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(reply.body);
  } catch {
    throw new Error(`${reply.status} error body is not JSON: ${reply.body.slice(0, 200)}`);
  }
  const error = (parsed as { error?: { code?: unknown; message?: unknown } } | null)?.error;
  if (typeof error?.code !== 'string' || !KNOWN_ERROR_CODES.has(error.code) || FORBIDDEN_CODES.has(error.code)) throw new Error(`${reply.status} with undocumented error: ${reply.body.slice(0, 200)}`);
  if (typeof error.message !== 'string') throw new Error(`${reply.status} error without message: ${reply.body.slice(0, 200)}`);
  return `${reply.status}:${error.code}`;
}
