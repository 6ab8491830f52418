/**
 * Every error and close cause of the protocol, in one place: the code clients see in
 * `error {code}` and `{error:{code}}` bodies, its HTTP status, and whether retrying the same
 * request (with the same cid) can succeed.
 */
export const ERRORS = {
  bad_json: { status: 400, retry: false },
  bad_request: { status: 400, retry: false },
  unknown_type: { status: 400, retry: false },
  invalid_room: { status: 400, retry: false },
  invalid_nick: { status: 400, retry: false },
  invalid_text: { status: 400, retry: false },
  text_too_long: { status: 400, retry: false },
  bad_cursor: { status: 400, retry: false },
  not_joined: { status: 400, retry: false },
  too_many_rooms: { status: 400, retry: false },
  binary_not_supported: { status: 400, retry: false },
  unauthorized: { status: 401, retry: false },
  token_expired: { status: 401, retry: false },
  forbidden: { status: 403, retry: false },
  not_found: { status: 404, retry: false },
  method_not_allowed: { status: 405, retry: false },
  request_timeout: { status: 408, retry: true },
  frame_too_big: { status: 413, retry: false },
  upgrade_required: { status: 426, retry: false },
  rate_limited: { status: 429, retry: true },
  too_many_connections: { status: 429, retry: true },
  headers_too_large: { status: 431, retry: false },
  internal: { status: 500, retry: true },
  unavailable: { status: 503, retry: true },
  draining: { status: 503, retry: true },
} as const satisfies Record<string, { readonly status: number; readonly retry: boolean }>;

export type ErrorCode = keyof typeof ERRORS;

export function isErrorCode(code: unknown): code is ErrorCode {
  return typeof code === 'string' && Object.hasOwn(ERRORS, code);
}

/** Whether a client should retry after this error (same request, same cid, after a pause). */
export function isRetryable(code: string): boolean {
  return isErrorCode(code) && ERRORS[code].retry;
}

/** How the client should come back after a server closed its connection. */
export type Reconnect = 'now' | 'backoff' | 'never';

export interface DisconnectSpec {
  /** The error code of the cause, as in `ERRORS`. */
  readonly code: ErrorCode;
  /** WebSocket close code. */
  readonly closeCode: number;
  /** Close reason and line-protocol notice (`status ! <text>`). */
  readonly reason: string;
  readonly reconnect: Reconnect;
}

/** Every reason a server ends a connection (centrifuge's disconnect.go, in one table). */
export const DISCONNECTS = {
  origin: { code: 'forbidden', closeCode: 1008, reason: 'origin not allowed', reconnect: 'never' },
  frame_too_big: { code: 'frame_too_big', closeCode: 1009, reason: 'frame too big', reconnect: 'backoff' },
  draining: { code: 'draining', closeCode: 1012, reason: 'node draining, reconnect elsewhere', reconnect: 'now' },
  unauthorized: { code: 'unauthorized', closeCode: 4001, reason: 'unauthorized', reconnect: 'never' },
  /** The connection's token reached its `exp` without a `refresh`: reconnect with a new token. */
  token_expired: { code: 'token_expired', closeCode: 4002, reason: 'token expired', reconnect: 'now' },
  slow_consumer: { code: 'rate_limited', closeCode: 4008, reason: 'slow consumer: outgoing buffer full', reconnect: 'backoff' },
  rate_abuse: { code: 'rate_limited', closeCode: 4029, reason: 'rate limit abuse', reconnect: 'backoff' },
} as const satisfies Record<string, DisconnectSpec>;

export type DisconnectCause = keyof typeof DISCONNECTS;

/** The table entry of a WebSocket close code, if it is one of ours. */
export function disconnectOfCloseCode(closeCode: number): DisconnectSpec | undefined {
  return Object.values(DISCONNECTS).find((spec) => spec.closeCode === closeCode);
}

/** An error that is safe to show to a client: a stable code and a human message. */
export class ChatError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    super(message);
    this.name = 'ChatError';
  }

  /** The HTTP status this error answers with. */
  get httpStatus(): number {
    return ERRORS[this.code].status;
  }
}
