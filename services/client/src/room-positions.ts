import type { ChatMessage, JoinedEvent, RoomPosition } from '@chat/protocol';

/** What applying a `joined` changed: the messages not seen before and whether some may be missing. */
export interface JoinedResult {
  readonly fresh: readonly ChatMessage[];
  readonly maybeMissing: boolean;
  /** Why messages may be missing, in words for the user. */
  readonly reason?: string;
}

const SEEN_LIMIT = 5_000;

/** Per-room resume positions and the (room, epoch, offset) set that keeps every message shown once. */
export class RoomPositions {
  private readonly positions = new Map<string, RoomPosition>();
  private readonly seen = new Map<string, Set<string>>();

  get(room: string): RoomPosition | undefined {
    return this.positions.get(room);
  }

  /** A read-only view for building resume cursors. */
  snapshot(): ReadonlyMap<string, RoomPosition> {
    return new Map(this.positions);
  }

  /** True when the message is new; records it and advances the room's position. */
  accept(message: ChatMessage): boolean {
    const key = `${message.epoch}\u0000${message.offset}`;
    let set = this.seen.get(message.room);
    if (!set) this.seen.set(message.room, (set = new Set()));
    if (set.has(key)) return false;
    set.add(key);
    if (set.size > SEEN_LIMIT) {
      // Sets iterate in insertion order, so this drops the oldest key.
      const oldest = set.values().next();
      if (!oldest.done) set.delete(oldest.value);
    }
    const position = this.positions.get(message.room);
    if (!position || position.epoch !== message.epoch || message.offset > position.offset) {
      this.positions.set(message.room, { epoch: message.epoch, offset: message.offset });
    }
    return true;
  }

  /** Applies a `joined`: adopts its epoch, keeps the furthest offset and filters out known messages. */
  applyJoined(event: JoinedEvent): JoinedResult {
    const before = this.positions.get(event.room);
    const epochChanged = before !== undefined && before.epoch !== event.epoch;
    const fresh = event.messages.filter((message) => this.accept(message));
    const current = this.positions.get(event.room);
    const offset = current && current.epoch === event.epoch ? Math.max(current.offset, event.offset) : event.offset;
    this.positions.set(event.room, { epoch: event.epoch, offset });
    if (epochChanged) return { fresh, maybeMissing: true, reason: "the room's history was reset on the server" };
    if (!event.recovered) return { fresh, maybeMissing: true, reason: 'the server no longer had every message since we were last connected' };
    return { fresh, maybeMissing: false };
  }

  /** Forgets a room's position (the seen set stays), e.g. after the server rejected our cursor. */
  forget(room: string): void {
    this.positions.delete(room);
  }

  /** Forgets everything about a room the user left, so joining again shows its history afresh. */
  drop(room: string): void {
    this.positions.delete(room);
    this.seen.delete(room);
  }
}
