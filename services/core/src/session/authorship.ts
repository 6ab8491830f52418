import { createHash } from 'node:crypto';
import { ChatError, validateAuthorKey } from '@chat/protocol';
import { pooledRandomBytes } from '../random-pool.js';

/**
 * Who may edit or delete a message. Signed in: the token's subject. Anonymous: whoever holds the
 * message's author key, a secret the sender got in its ack (or chose itself); only its hash is
 * stored as the author, and never a nick, which anyone may pick.
 */
export interface SendAuthorship {
  /** Stored with the message; absent = the nick (a signed-in user whose sub is the nick). */
  readonly author?: string;
  /** The key to return in the ack: anonymous sends only. */
  readonly key?: string;
  /** The client chose the key itself, so a duplicate's ack may repeat it. */
  readonly keyGiven?: boolean;
}

/** The stored author of a key: `key:` and its SHA-256, longer than any nick (32), so never a nick. */
export function authorOfKey(key: string): string {
  return `key:${createHash('sha256').update(key).digest('base64url')}`;
}

/** The authorship a send stores: the user (kept when not the nick), else a given or new author key. */
export function authorshipOfSend(user: string | undefined, nick: string, keyValue: unknown): SendAuthorship {
  if (user !== undefined) return user === nick ? {} : { author: user };
  const given = validateAuthorKey(keyValue);
  const key = given ?? pooledRandomBytes(18).toString('base64url');
  return { author: authorOfKey(key), key, keyGiven: given !== undefined };
}

/** The ack's `key`: a key the server made is not the stored one when the send was a duplicate. */
export function ackKey(authorship: SendAuthorship, duplicate: boolean): { key?: string } {
  if (authorship.key === undefined || (duplicate && authorship.keyGiven !== true)) return {};
  return { key: authorship.key };
}

/** Who asks for an edit or delete: the user, else the hash of the key (required without auth). */
export function requesterOf(user: string | undefined, keyValue: unknown): string {
  if (user !== undefined) return user;
  const key = validateAuthorKey(keyValue);
  if (key === undefined) throw new ChatError('forbidden', 'without a token, only the holder of the message\'s key (from its send\'s ack) may change it');
  return authorOfKey(key);
}
