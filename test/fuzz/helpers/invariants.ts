import type { IncomingHttpHeaders } from 'node:http';
import { STREAM_HEARTBEAT, isErrorCode, isRecord, parseJson, parseServerEvent } from '@chat/protocol';

/** Documented WebSocket close codes a fuzzer may cause (1007 invalid UTF-8 from ws itself). */
export const FUZZ_CLOSE_CODES = new Set([1007, 1008, 1009]);

export const ALLOWED_STATUSES = new Set([200, 201, 400, 401, 403, 404, 405, 408, 413, 414, 429, 431, 503]);

/** `internal` is documented but means the server failed: a fuzzer must never cause it. */
const FORBIDDEN_CODES = new Set(['internal']);

/** Throws unless `text` is one server event that @chat/protocol's validator accepts; returns its type (or `error:<code>`). */
export function checkWsFrame(text: string): string {
  if (text === STREAM_HEARTBEAT) return 'heartbeat';
  const event = parseServerEvent(parseJson(text));
  if (!event) throw new Error(`not a server event of the protocol: ${text.slice(0, 200)}`);
  if (event.type !== 'error') return event.type;
  if (FORBIDDEN_CODES.has(event.code)) throw new Error(`forbidden error code: ${text.slice(0, 200)}`);
  if (event.message.length === 0) throw new Error(`error without a message: ${text.slice(0, 200)}`);
  return `error:${event.code}`;
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
  const parsed = parseJson(reply.body);
  const error = isRecord(parsed) && isRecord(parsed.error) ? parsed.error : undefined;
  if (!isErrorCode(error?.code) || FORBIDDEN_CODES.has(error.code)) throw new Error(`${reply.status} with undocumented error: ${reply.body.slice(0, 200)}`);
  if (typeof error.message !== 'string') throw new Error(`${reply.status} error without message: ${reply.body.slice(0, 200)}`);
  return `${reply.status}:${error.code}`;
}
