const RING = 64;

class RoomRing {
  readonly offsets = new Array<number>(RING).fill(-1);
  readonly payloads = new Array<string>(RING).fill('');
  epoch = '';
  highest = -1;
}

/**
 * The raw stored form of the last messages this node saw per room, so a backfill can ask Redis
 * whether the message it delivered last is still there: after a failover that dropped writes not
 * yet replicated, the same offset may hold another message, which means the room lost data.
 */
export class RecentPayloads {
  private readonly rooms = new Map<string, RoomRing>();

  /** Keeps the first payload seen at each offset: a later one at an offset already seen is what the registry ignores. */
  remember(room: string, epoch: string, offset: number, payload: string): void {
    let ring = this.rooms.get(room);
    if (!ring) this.rooms.set(room, (ring = new RoomRing()));
    if (ring.epoch !== epoch) {
      ring.epoch = epoch;
      ring.offsets.fill(-1);
      ring.highest = -1;
    }
    if (offset <= ring.highest) return;
    ring.highest = offset;
    const index = offset % RING;
    ring.offsets[index] = offset;
    ring.payloads[index] = payload;
  }

  /** The payload seen at this position, or '' when not remembered. */
  get(room: string, epoch: string, offset: number): string {
    const ring = this.rooms.get(room);
    const index = offset % RING;
    if (!ring || ring.epoch !== epoch || ring.offsets[index] !== offset) return '';
    return ring.payloads[index] ?? '';
  }

  forget(room: string): void {
    this.rooms.delete(room);
  }
}
