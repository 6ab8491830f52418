import type { AckEvent, RoomPosition } from '@chat/protocol';

/** How long an ack may wait for its message before it goes alone (the message was lost to this client). */
export const ACK_HOLD_MAX_MS = 100;

/**
 * How long a connection that held nothing stays watched. A sender is added and dropped again at
 * every few sends otherwise, and a long-lived Set that grows and shrinks makes V8 allocate its
 * tables in the old generation each time (services/loadgen/src/micro/map-churn.ts).
 */
const WATCH_IDLE_MS = 1000;

interface HeldAck {
  readonly room: string;
  readonly offset: number;
  readonly frame: Buffer;
  readonly heldAt: number;
}

/** Connections with held acks, checked by one timer for the whole node. */
export class AckHoldSweeper {
  private readonly holding = new Set<AckHold>();
  private timer: NodeJS.Timeout | undefined;

  watch(hold: AckHold): void {
    this.holding.add(hold);
    if (this.timer) return;
    this.timer = setInterval(() => this.sweep(), ACK_HOLD_MAX_MS);
    this.timer.unref();
  }

  forget(hold: AckHold): void {
    this.holding.delete(hold);
  }

  private sweep(): void {
    const now = performance.now();
    for (const hold of this.holding) if (!hold.expire(now) && now - hold.lastHeldAt >= WATCH_IDLE_MS) this.holding.delete(hold);
    if (this.holding.size === 0 && this.timer) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }
}

/**
 * The ack of a send and the sender's own copy of that message arrive on different Redis
 * connections, usually in different event-loop turns: written apart they cost two writes. An ack
 * for a room this client has joined is held until its message has been written to the client and
 * then leaves in the same write. Duplicates, rooms not joined and acks for messages already written
 * go at once; an ack whose message does not come within ACK_HOLD_MAX_MS goes alone.
 */
export class AckHold {
  /** Per joined room, the last message written to this client (the message is its own position). */
  private readonly positions = new Map<string, RoomPosition>();
  private held: HeldAck[] | undefined;
  /** When this connection last held an ack (performance.now()). */
  lastHeldAt = 0;

  constructor(
    private readonly write: (frame: Buffer) => void,
    private readonly sweeper: AckHoldSweeper,
  ) {}

  /** The client's `joined` (also an unasked one after an epoch change) was written. */
  joined(room: string, position: RoomPosition): void {
    this.release(room, Number.POSITIVE_INFINITY);
    // A copy: the caller's position is often the whole `joined` event (its history page and member list).
    this.positions.set(room, { epoch: position.epoch, offset: position.offset });
  }

  left(room: string): void {
    this.release(room, Number.POSITIVE_INFINITY);
    this.positions.delete(room);
  }

  /**
   * A message is about to be written: the frames of the acks it releases, for the caller to put
   * in the same buffer (one write, not two); none when nothing was held for it.
   */
  dueWith(message: { readonly room: string } & RoomPosition): Buffer[] | undefined {
    if (this.positions.has(message.room)) this.positions.set(message.room, message);
    if (!this.held) return undefined;
    const due: Buffer[] = [];
    this.take((ack) => ack.room === message.room && ack.offset <= message.offset, (frame) => due.push(frame));
    return due.length > 0 ? due : undefined;
  }

  /** Holds the ack when its message is still to come; false when it should be written now. */
  offer(ack: AckEvent, frame: () => Buffer): boolean {
    const position = this.positions.get(ack.room);
    if (ack.duplicate || !position || position.epoch !== ack.epoch || ack.offset <= position.offset) return false;
    this.lastHeldAt = performance.now();
    (this.held ??= []).push({ room: ack.room, offset: ack.offset, frame: frame(), heldAt: this.lastHeldAt });
    this.sweeper.watch(this);
    return true;
  }

  /** Writes acks held longer than the bound; true while some are still held. */
  expire(now: number): boolean {
    if (!this.held) return false;
    this.take((ack) => now - ack.heldAt >= ACK_HOLD_MAX_MS);
    return this.held !== undefined;
  }

  /** The connection closed: nothing more is written. */
  close(): void {
    this.held = undefined;
    this.sweeper.forget(this);
  }

  private release(room: string, upTo: number): void {
    if (this.held) this.take((ack) => ack.room === room && ack.offset <= upTo);
  }

  private take(due: (ack: HeldAck) => boolean, write: (frame: Buffer) => void = this.write): void {
    const held = this.held ?? [];
    const keep: HeldAck[] = [];
    for (const ack of held) {
      if (due(ack)) write(ack.frame);
      else keep.push(ack);
    }
    this.held = keep.length > 0 ? keep : undefined;
  }
}
