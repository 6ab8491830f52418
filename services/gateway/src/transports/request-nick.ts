import { validateNick } from '@chat/protocol';
import type { Context } from 'koa';

/** The nick a stream or poll asks for by `?nick=`: absent or empty means none; invalid is `invalid_nick`. */
export function requestedNick(ctx: Context): string | undefined {
  const nick = ctx.query.nick;
  if (typeof nick !== 'string' || nick === '') return undefined;
  return validateNick(nick);
}
