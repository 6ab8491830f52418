/** How often at most a node renews the keys of a room it serves (they expire after the room ttl). */
const KEEP_MAX_MS = 3_600_000;

/**
 * Which of the rooms a node serves are due for their keys' renewal (room-keep.lua): each at most
 * every min(ROOM_TTL_MS / 4, 1 h), so a room with members is never forgotten.
 */
export class ServedRoomKeeper {
  private readonly keptAt = new Map<string, number>();
  private readonly everyMs: number;

  constructor(roomTtlMs: number) {
    this.everyMs = Math.min(roomTtlMs / 4, KEEP_MAX_MS);
  }

  /** The served rooms to renew now (marked as renewed); rooms no longer served are forgotten. */
  due(served: readonly string[], now: number): string[] {
    const serving = new Set(served);
    for (const room of this.keptAt.keys()) if (!serving.has(room)) this.keptAt.delete(room);
    const due = served.filter((room) => now - (this.keptAt.get(room) ?? 0) >= this.everyMs);
    for (const room of due) this.keptAt.set(room, now);
    return due;
  }
}
