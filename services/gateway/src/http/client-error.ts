import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import { ERRORS, type ErrorCode } from '@chat/protocol';

interface ParserError extends Error {
  readonly code?: string;
}

type Answer = [code: ErrorCode, message: string];

const ANSWERS: Record<string, Answer> = {
  HPE_HEADER_OVERFLOW: ['headers_too_large', 'request line and headers must fit in 16 KiB'],
  ERR_HTTP_REQUEST_TIMEOUT: ['request_timeout', 'the request took too long to arrive'],
};
const MALFORMED: Answer = ['bad_request', 'malformed HTTP request'];

/**
 * Requests Node's HTTP parser refuses never reach koa; they still get our JSON error shape
 * (`{error:{code,message}}`) instead of an empty body.
 */
export function answerClientError(nodeId: string) {
  return (error: ParserError, socket: Socket): void => {
    if (error.code === 'ECONNRESET' || !socket.writable) {
      socket.destroy();
      return;
    }
    const [code, message] = ANSWERS[error.code ?? ''] ?? MALFORMED;
    const { status } = ERRORS[code];
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Node-Id: ${nodeId}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
