import type { Socket } from 'node:net';

interface ParserError extends Error {
  readonly code?: string;
}

const ANSWERS: Record<string, [status: number, reason: string, code: string, message: string]> = {
  HPE_HEADER_OVERFLOW: [431, 'Request Header Fields Too Large', 'headers_too_large', 'request line and headers must fit in 16 KiB'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'Request Timeout', 'bad_request', 'the request took too long to arrive'],
};
const MALFORMED: [number, string, string, string] = [400, 'Bad Request', 'bad_request', 'malformed HTTP request'];

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
    const [status, reason, code, message] = ANSWERS[error.code ?? ''] ?? MALFORMED;
    const body = JSON.stringify({ error: { code, message } });
    socket.end(
      `HTTP/1.1 ${status} ${reason}\r\nContent-Type: application/json; charset=utf-8\r\nContent-Length: ${Buffer.byteLength(body)}\r\nX-Node-Id: ${nodeId}\r\nConnection: close\r\n\r\n${body}`,
    );
  };
}
