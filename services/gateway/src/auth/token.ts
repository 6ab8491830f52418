import { SignJWT, type JWTPayload } from 'jose';
import { ChatError } from '@chat/protocol';

/** The claims a chat token carries (a JWT: HS256, RS256 or ES256). */
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
  /** A moderator: may edit and delete other people's messages. */
  readonly mod?: boolean;
}

/** A minted token without an `exp` of its own lasts this long. */
const DEFAULT_LIFETIME_S = 3600;

/** Mints an HS256 token, e.g. for the operator CLI and tests; `exp` defaults to an hour from now. */
export function signToken(claims: TokenClaims, secret: string): Promise<string> {
  const exp = claims.exp ?? Math.floor(Date.now() / 1000) + DEFAULT_LIFETIME_S;
  return new SignJWT({ ...claims, exp }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

const unauthorized = (message: string): ChatError => new ChatError('unauthorized', message);

/** The chat claims of a verified payload (signature, exp and nbf already checked); throws `unauthorized`. */
export function chatClaimsOf(payload: JWTPayload): TokenClaims {
  const { sub, exp, nbf } = payload;
  const { nick, rooms, admin, mod } = payload as Record<string, unknown>;
  if (typeof sub !== 'string' || sub.length === 0 || sub.length > 128) throw unauthorized('token has no valid sub');
  if (nick !== undefined && typeof nick !== 'string') throw unauthorized('token nick must be a string');
  if (rooms !== undefined && !isStringList(rooms)) throw unauthorized('token rooms must be a list of patterns');
  return {
    sub,
    ...(nick === undefined ? {} : { nick }),
    ...(rooms === undefined ? {} : { rooms }),
    ...(exp === undefined ? {} : { exp }),
    ...(nbf === undefined ? {} : { nbf }),
    ...(admin === true ? { admin: true } : {}),
    ...(mod === true ? { mod: true } : {}),
  };
}

function isStringList(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((item) => typeof item === 'string');
}
