import type { IncomingMessage } from 'node:http';
import { ChatError, validateNick } from '@chat/protocol';
import type { TokenClaims } from './token.js';

/** Who a request speaks for: anonymous when auth is off, else the verified token's holder. */
export interface Identity {
  readonly user?: string;
  /** Set when the nick comes from the token and may not be changed. */
  readonly nick?: string;
  /** The token has `"admin": true`: it may see /admin. */
  readonly admin?: boolean;
  /** The token has `"mod": true`: a moderator, who may edit and delete others' messages. */
  readonly mod?: boolean;
  /** The token's `exp` in milliseconds since the epoch: a connection on it ends then unless refreshed. */
  readonly expiresAt?: number;
  mayUseRoom(room: string): boolean;
}

export const ANONYMOUS: Identity = { mayUseRoom: () => true };

function patternToRegExp(pattern: string): RegExp {
  const escaped = pattern.replace(/[.+?^${}()|[\]\\:-]/g, '\\$&').replace(/\*/g, '.*');
  return new RegExp(`^${escaped}$`);
}

/** The token a request carries: `Authorization: Bearer …`, else `?token=`. */
export function tokenOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  if (header?.startsWith('Bearer ')) return header.slice('Bearer '.length).trim();
  const url = new URL(request.url ?? '/', 'http://localhost');
  return url.searchParams.get('token') ?? undefined;
}

/** The identity verified claims prove; throws `unauthorized` for a nick that is not a valid nick. */
export function identityFromClaims(claims: TokenClaims): Identity {
  const patterns = (claims.rooms ?? ['*']).map(patternToRegExp);
  let nick: string;
  try {
    nick = validateNick(claims.nick ?? claims.sub);
  } catch {
    throw new ChatError('unauthorized', 'token nick is not a valid nick');
  }
  return {
    user: claims.sub,
    nick,
    ...(claims.admin === true ? { admin: true } : {}),
    ...(claims.mod === true ? { mod: true } : {}),
    ...(claims.exp === undefined ? {} : { expiresAt: claims.exp * 1000 }),
    mayUseRoom: (room) => patterns.some((pattern) => pattern.test(room)),
  };
}
