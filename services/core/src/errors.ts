/** Codes that reach clients in `error {code, message}` and in HTTP error bodies. */
export type ErrorCode =
  | 'bad_json'
  | 'bad_request'
  | 'unknown_type'
  | 'invalid_room'
  | 'invalid_nick'
  | 'invalid_text'
  | 'text_too_long'
  | 'frame_too_big'
  | 'headers_too_large'
  | 'binary_not_supported'
  | 'bad_cursor'
  | 'not_joined'
  | 'too_many_rooms'
  | 'rate_limited'
  | 'too_many_connections'
  | 'unauthorized'
  | 'forbidden'
  | 'not_found'
  | 'unavailable'
  | 'draining'
  | 'internal';

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
}

/** The broker cannot reach its backend right now; the caller may retry (with the same cid). */
export class BrokerUnavailableError extends ChatError {
  constructor(message = 'the message broker is unavailable, retry shortly') {
    super('unavailable', message);
    this.name = 'BrokerUnavailableError';
  }
}
