import { PRESENCE_LIST_MAX, type PresenceEntry } from '@chat/protocol';
import type { PresenceMember, PresenceSummary } from '../types.js';

/** A room's presence read for joins, with its `joined` entries computed once for all of them. */
export interface JoinPresence {
  readonly summary: PresenceSummary;
  readonly entries: readonly PresenceEntry[];
}

/** Distinct nicks (with their user when signed in), at most PRESENCE_LIST_MAX of them, for a `joined`. */
function presenceEntries(members: readonly PresenceMember[]): PresenceEntry[] {
  const byNick = new Map<string, string | undefined>();
  for (const member of members) {
    if (byNick.size >= PRESENCE_LIST_MAX && !byNick.has(member.nick)) continue;
    if (!byNick.has(member.nick) || member.user !== undefined) byNick.set(member.nick, member.user);
  }
  return [...byNick].map(([nick, user]) => (user === undefined ? { nick } : { nick, user }));
}

/** A member list read for joins, with the entries every `joined` of it shows. */
export function joinPresence(summary: PresenceSummary): JoinPresence {
  return { summary, entries: presenceEntries(summary.members) };
}
