import type { PusherApp } from './pusher-apps.js';
import { hmacHex, md5Hex, sameHex } from './signatures.js';

/** How far an `auth_timestamp` may be from our clock, as Pusher allows. */
const TIMESTAMP_WINDOW_S = 600;

/** What a signed HTTP API request carries. */
export interface SignedRequest {
  readonly method: string;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly body: Buffer;
}

/**
 * Checks a request signed as Pusher signs: `auth_key`, `auth_timestamp` (within 600 s),
 * `auth_version=1.0`, `body_md5` of a non-empty body, and `auth_signature` = HMAC-SHA256 of
 * `METHOD\npath\nquery` (every other parameter, keys lower-cased and sorted, values as sent
 * before URL-encoding). Returns what is wrong, or undefined for a good signature.
 */
export function apiSignatureProblem(app: PusherApp, request: SignedRequest, nowMs = Date.now()): string | undefined {
  const { query } = request;
  if (query.get('auth_key') !== app.key) return 'auth_key does not name this app';
  const timestamp = Number(query.get('auth_timestamp'));
  if (!Number.isFinite(timestamp)) return 'auth_timestamp missing';
  if (Math.abs(nowMs / 1000 - timestamp) > TIMESTAMP_WINDOW_S) return `auth_timestamp is more than ${TIMESTAMP_WINDOW_S} s from the server's time`;
  if (query.get('auth_version') !== '1.0') return 'auth_version must be 1.0';
  if (request.body.length > 0 && query.get('body_md5') !== md5Hex(request.body)) return 'body_md5 does not match the body';
  const signature = query.get('auth_signature');
  if (signature === null) return 'auth_signature missing';
  const params = [...query.entries()]
    .filter(([key]) => key !== 'auth_signature')
    .map(([key, value]) => [key.toLowerCase(), value] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([key, value]) => `${key}=${value}`)
    .join('&');
  const expected = hmacHex(app.secret, `${request.method.toUpperCase()}\n${request.path}\n${params}`);
  return sameHex(signature, expected) ? undefined : 'invalid signature';
}
