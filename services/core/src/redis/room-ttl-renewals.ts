/** The longest a publish may leave a room's expiry alone after this node renewed it (ROOM_TTL_MS 30 days: one hour). */
const MAX_UNRENEWED_MS = 3_600_000;

/**
 * When this node's publishes last gave each room's keys the room ttl, so the next publishes within
 * a bound well under the ttl (a tenth of it, at most an hour) leave the expiry alone: three PEXPIREs
 * fewer per message in Redis. A room is then forgotten between ROOM_TTL_MS minus that bound and
 * ROOM_TTL_MS after its last write; its keys never lose their expiry (publish-core.lua still renews
 * a key the publish may have created).
 */
export class RoomTtlRenewals {
  private readonly renewedAt = new Map<string, number>();
  private readonly boundMs: number;

  constructor(roomTtlMs: number) {
    this.boundMs = roomTtlMs > 0 ? Math.min(roomTtlMs / 10, MAX_UNRENEWED_MS) : 0;
  }

  /** Whether a publish sent now must renew the room's keys. */
  mustRenew(room: string, now: number): boolean {
    const at = this.renewedAt.get(room);
    return at === undefined || now - at >= this.boundMs;
  }

  /** A publish sent at `sentAt` renewed the room's keys (it stored a message with renewal asked). */
  renewed(room: string, sentAt: number): void {
    if (this.boundMs > 0) this.renewedAt.set(room, sentAt);
  }

  /** Drops what no longer spares a renewal, so rooms published to once do not pile up. */
  prune(now: number): void {
    for (const [room, at] of this.renewedAt) if (now - at >= this.boundMs) this.renewedAt.delete(room);
  }
}
