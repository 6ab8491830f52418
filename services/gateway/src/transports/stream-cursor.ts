import { randomBytes } from 'node:crypto';
import type { CursorStore } from '@chat/core';
import { applyCompactDelta, ChatError, decodeCursor, encodeCompactCursor, encodeCursor, MAX_STREAM_CURSOR_LENGTH, parseCompactCursor, type Cursor, type ServerEventType } from '@chat/protocol';

/** Stored positions under an id: a compact cursor's base. */
export interface CursorSnapshot {
  readonly id: string;
  readonly positions: Cursor;
}

/** Where a client resumes, and the snapshot its compact cursor was based on (reused, not stored again). */
export interface ResumePoint {
  readonly cursor: Cursor;
  readonly snapshot?: CursorSnapshot;
}

/** Reads a cursor a client sent back, in either format; a compact one's snapshot comes from the store. Throws `bad_cursor`. */
export async function readCursor(store: CursorStore, text: string): Promise<ResumePoint> {
  const compact = parseCompactCursor(text);
  if (!compact) return { cursor: decodeCursor(text) };
  const stored = await store.load(compact.snapshot);
  if (stored === undefined) throw new ChatError('bad_cursor', 'the cursor has expired (STREAM_CURSOR_TTL_MS) or was never issued');
  const positions = decodeCursor(stored);
  return { cursor: applyCompactDelta(positions, compact.delta), snapshot: { id: compact.snapshot, positions } };
}

/**
 * The cursors one stream hands out, none longer than MAX_STREAM_CURSOR_LENGTH whatever the number
 * of rooms: the plain cursor when it is that short, else `2.<snapshot>.<delta>` against the
 * stream's latest stored snapshot. A delta grown too long needs a new snapshot first (one Redis
 * write per that many changed rooms, none at all for a stream of a few rooms).
 */
export class StreamCursor {
  constructor(
    private readonly store: CursorStore,
    private readonly ttlMs: number,
    /** The snapshot the client resumed from, if any: cursors are based on it until a new one is needed. */
    private base: CursorSnapshot | undefined = undefined,
  ) {}

  /** The cursor for `positions` now, or undefined when a snapshot must be stored first (`snapshot`). */
  now(positions: Cursor): string | undefined {
    const plain = encodeCursor(positions);
    if (plain.length <= MAX_STREAM_CURSOR_LENGTH) return plain;
    if (!this.base) return undefined;
    const compact = encodeCompactCursor(this.base.id, this.base.positions, positions);
    return compact.length <= MAX_STREAM_CURSOR_LENGTH ? compact : undefined;
  }

  /** Stores `positions` as the stream's new snapshot. Rejects with `unavailable` when the store cannot be reached. */
  async snapshot(positions: Cursor): Promise<void> {
    const id = randomBytes(12).toString('base64url');
    const copy: Cursor = new Map(positions);
    await this.store.save(id, encodeCursor(copy), this.ttlMs);
    this.base = { id, positions: copy };
  }

  /** The cursor for `positions`, storing a snapshot first when needed (a poll's answer). */
  async cursorFor(positions: Cursor): Promise<string> {
    const now = this.now(positions);
    if (now !== undefined) return now;
    await this.snapshot(positions);
    return this.now(positions) ?? encodeCompactCursor(this.base?.id ?? '', positions, positions);
  }
}

interface PendingEvent {
  readonly type: ServerEventType;
  readonly json: string;
  readonly positions: Cursor | undefined;
}

/**
 * Writes a stream's events in order, each positioned one with its cursor. While a snapshot is
 * being stored the events wait in order behind it; the stream is ended (`onFailure`) when the
 * store cannot be reached, and the client resumes from the last cursor it got.
 */
export class PositionedWriter {
  private readonly queue: PendingEvent[] = [];
  private storing = false;
  private failed = false;

  constructor(
    private readonly cursors: StreamCursor,
    private readonly write: (type: ServerEventType, json: string, cursor: string | undefined) => void,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** One event; `positions` (the stream's positions after it) for the events that carry a cursor. */
  event(type: ServerEventType, json: string, positions: Cursor | undefined): void {
    if (this.failed) return;
    this.queue.push({ type, json, positions });
    if (!this.storing) this.flush();
  }

  private flush(): void {
    while (this.queue.length > 0 && !this.failed) {
      const next = this.queue[0];
      if (!next) return;
      const cursor = next.positions === undefined ? undefined : this.cursors.now(next.positions);
      if (next.positions !== undefined && cursor === undefined) {
        this.storeSnapshot(next.positions);
        return;
      }
      this.queue.shift();
      this.write(next.type, next.json, cursor);
    }
  }

  private storeSnapshot(positions: Cursor): void {
    this.storing = true;
    this.cursors.snapshot(positions).then(
      () => {
        this.storing = false;
        this.flush();
      },
      (error: unknown) => {
        this.failed = true;
        this.queue.length = 0;
        this.onFailure(error);
      },
    );
  }
}
