import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { ERRORS, type ErrorCode } from '@chat/protocol';

/**
 * Ends a raw socket with our JSON error shape, for requests koa never sees (refused upgrades,
 * requests the HTTP parser rejects). A 503 says when to come back.
 */
export function endWithError(socket: Duplex, code: ErrorCode, message: string, nodeId: string, headers: Readonly<Record<string, string>> = {}): void {
  const { status } = ERRORS[code];
  const body = JSON.stringify({ error: { code, message } });
  const retryAfter = status === 503 ? 'Retry-After: 1\r\n' : '';
  const extra = Object.entries(headers).map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Node-Id: ${nodeId}\r\n${retryAfter}${extra}Connection: close\r\n\r\n${body}`,
  );
}
