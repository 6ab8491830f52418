/** Who is in each room, counted per nick since one person may be connected more than once. */
export class PresenceBook {
  private readonly rooms = new Map<string, Map<string, number>>();

  reset(room: string, nicks: readonly string[]): void {
    const counts = new Map<string, number>();
    for (const nick of nicks) counts.set(nick, (counts.get(nick) ?? 0) + 1);
    this.rooms.set(room, counts);
  }

  apply(room: string, event: 'join' | 'leave', nick: string): void {
    let counts = this.rooms.get(room);
    if (!counts) this.rooms.set(room, (counts = new Map<string, number>()));
    const next = (counts.get(nick) ?? 0) + (event === 'join' ? 1 : -1);
    if (next > 0) counts.set(nick, next);
    else counts.delete(nick);
  }

  /** Distinct nicks in the room, sorted for display. */
  nicks(room: string): string[] {
    return [...(this.rooms.get(room)?.keys() ?? [])].sort((a, b) => a.localeCompare(b));
  }

  forget(room: string): void {
    this.rooms.delete(room);
  }
}
