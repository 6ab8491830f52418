/** The longest a publish may leave a room's expiry alone after this node renewed it (ROOM_TTL_MS 30 days: one hour). */
const MAX_UNRENEWED_MS = 3_600_000;

/** publish-core.lua's `renew` argument that renews every key of the room. */
export const RENEW_ALL = '*';

interface Renewal {
  /** When the publish that renewed the room's meta and log was sent. */
  readonly at: number;
  /** The epoch in which this node saw the room's cid set exist with a fresh ttl (a reset or a new room has another). */
  cidEpoch: string | undefined;
}

/**
 * When this node's publishes last gave each room's keys the room ttl, so the next publishes within
 * a bound well under the ttl (a tenth of it, at most an hour) leave the expiry alone: up to three
 * PEXPIREs fewer per message in Redis. A room is then forgotten between ROOM_TTL_MS minus that
 * bound and ROOM_TTL_MS after its last write; its keys never lose their expiry (publish-core.lua
 * still renews a key the publish may have created).
 */
export class RoomTtlRenewals {
  private readonly renewals = new Map<string, Renewal>();
  private readonly boundMs: number;

  constructor(roomTtlMs: number) {
    this.boundMs = roomTtlMs > 0 ? Math.min(roomTtlMs / 10, MAX_UNRENEWED_MS) : 0;
  }

  /** publish-core.lua's `renew` for a publish sent now: RENEW_ALL, or the epoch whose cid set is known to be fresh ('' for none). */
  renewArgument(room: string, now: number): string {
    const renewal = this.renewals.get(room);
    if (renewal === undefined || now - renewal.at >= this.boundMs) return RENEW_ALL;
    return renewal.cidEpoch ?? '';
  }

  /** A publish sent at `sentAt` with `renew` stored a message (not a duplicate) in `epoch`. */
  stored(room: string, sentAt: number, renew: string, epoch: string, hadCid: boolean): void {
    if (this.boundMs <= 0) return;
    const cidEpoch = hadCid ? epoch : undefined;
    const renewal = this.renewals.get(room);
    if (renew === RENEW_ALL) this.renewals.set(room, { at: sentAt, cidEpoch });
    else if (renewal !== undefined && cidEpoch !== undefined) renewal.cidEpoch = cidEpoch;
  }

  /** Drops what no longer spares a renewal, so rooms published to once do not pile up. */
  prune(now: number): void {
    for (const [room, renewal] of this.renewals) if (now - renewal.at >= this.boundMs) this.renewals.delete(room);
  }
}
