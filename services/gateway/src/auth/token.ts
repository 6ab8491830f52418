import { createHmac, timingSafeEqual } from 'node:crypto';
import { ChatError } from '@chat/protocol';

/** The claims a chat token carries (JWT, HS256). */
export interface TokenClaims {
  readonly sub: string;
  readonly nick?: string;
  /** Room name patterns the holder may join and send to; `*` matches any run of characters. */
  readonly rooms?: readonly string[];
  /** Expiry, seconds since the Unix epoch. */
  readonly exp?: number;
  readonly nbf?: number;
  /** May see /admin. */
  readonly admin?: boolean;
}

const encode = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');
const HEADER = encode({ alg: 'HS256', typ: 'JWT' });

function signature(data: string, secret: string): Buffer {
  return createHmac('sha256', secret).update(data).digest();
}

/** Mints a token, e.g. for the operator CLI and tests. */
export function signToken(claims: TokenClaims, secret: string): string {
  const body = `${HEADER}.${encode(claims)}`;
  return `${body}.${signature(body, secret).toString('base64url')}`;
}

function unauthorized(message: string): ChatError {
  return new ChatError('unauthorized', message);
}

function parsePart(part: string): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through
  }
  throw unauthorized('malformed token');
}

/** Verifies signature (HS256 only, never `none`), expiry and claim types; throws `unauthorized`. */
export function verifyToken(token: string, secret: string, nowSeconds = Date.now() / 1000): TokenClaims {
  if (token.length > 8192) throw unauthorized('token too long');
  const parts = token.split('.');
  if (parts.length !== 3) throw unauthorized('malformed token');
  const [header, payload, signed] = parts as [string, string, string];
  if (parsePart(header).alg !== 'HS256') throw unauthorized('token must be signed with HS256');
  const expected = signature(`${header}.${payload}`, secret);
  const given = Buffer.from(signed, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw unauthorized('bad token signature');
  const claims = parsePart(payload);
  const { sub, nick, rooms, exp, nbf, admin } = claims;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) throw unauthorized('token has no valid sub');
  if (nick !== undefined && typeof nick !== 'string') throw unauthorized('token nick must be a string');
  if (rooms !== undefined && (!Array.isArray(rooms) || !rooms.every((room) => typeof room === 'string'))) throw unauthorized('token rooms must be a list of patterns');
  if (exp !== undefined && (typeof exp !== 'number' || exp <= nowSeconds)) throw unauthorized('token expired');
  if (nbf !== undefined && (typeof nbf !== 'number' || nbf > nowSeconds)) throw unauthorized('token not valid yet');
  return {
    sub,
    ...(nick === undefined ? {} : { nick }),
    ...(rooms === undefined ? {} : { rooms: rooms as string[] }),
    ...(exp === undefined ? {} : { exp }),
    ...(admin === true ? { admin: true } : {}),
  };
}
