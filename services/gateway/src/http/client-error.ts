import type { Socket } from 'node:net';
import type { ErrorCode } from '@chat/protocol';
import { endWithError } from './raw-error.js';

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
    endWithError(socket, code, message, nodeId);
  };
}
