import { ChatError } from '@chat/protocol';
import type { Context, Next } from 'koa';

/** A `%` that starts no escape: parsers keep it as it is, so it is no encoding error. */
const STRAY_PERCENT = /%(?![0-9A-Fa-f]{2})/g;

/** Whether a raw query string's percent-escapes decode to UTF-8 (parsers would quietly make U+FFFD of them). */
export function isUtf8Query(querystring: string): boolean {
  if (!querystring.includes('%')) return true;
  try {
    decodeURIComponent(querystring.replace(STRAY_PERCENT, '%25'));
    return true;
  } catch {
    return false;
  }
}

/** Refuses a request whose query string is not UTF-8: a nick or cursor in it would arrive changed. */
export async function utf8QueryOnly(ctx: Context, next: Next): Promise<void> {
  if (!isUtf8Query(ctx.querystring)) throw new ChatError('bad_request', 'the query string is not valid UTF-8');
  await next();
}
