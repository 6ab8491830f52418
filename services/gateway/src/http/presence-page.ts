import type { PresenceMember } from '@chat/core';

export interface PresencePage {
  /** Distinct members present (a member on two connections counts once). */
  readonly count: number;
  /** One entry per distinct nick, sorted by nick, after `after`, at most `limit`. */
  readonly members: ReadonlyArray<{ readonly nick: string; readonly node: string; readonly user?: string }>;
  /** Pass as `after` for the next page; absent on the last page. */
  readonly next?: string;
}

/** A page of a room's members, distinct by nick, in nick order. */
export function presencePage(members: readonly PresenceMember[], limit: number, after: string | undefined): PresencePage {
  const byNick = new Map<string, PresenceMember>();
  for (const member of members) if (!byNick.has(member.nick)) byNick.set(member.nick, member);
  const sorted = [...byNick.keys()].sort();
  const rest = after === undefined ? sorted : sorted.filter((nick) => nick > after);
  const page = rest.slice(0, limit);
  const last = page.at(-1);
  return {
    count: byNick.size,
    members: page.map((nick) => {
      const { node = '', user } = byNick.get(nick) ?? {};
      return user === undefined ? { nick, node } : { nick, node, user };
    }),
    ...(rest.length > limit && last !== undefined ? { next: last } : {}),
  };
}
