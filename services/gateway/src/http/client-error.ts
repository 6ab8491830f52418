import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';

interface ParserError extends Error {
  readonly code?: string;
}

type Answer = [status: number, code: string, message: string];

const ANSWERS: Record<string, Answer> = {
  HPE_HEADER_OVERFLOW: [431, 'headers_too_large', 'request line and headers must fit in 16 KiB'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'bad_request', 'the request took too long to arrive'],
};
const MALFORMED: Answer = [400, 'bad_request', 'malformed HTTP request'];

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
    const [status, code, message] = ANSWERS[error.code ?? ''] ?? MALFORMED;
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Node-Id: ${nodeId}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
