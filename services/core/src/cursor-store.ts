/**
 * Where stream cursors of many rooms are kept, so that what a stream event carries stays short
 * (`2.<snapshot>.<delta>`, see @chat/protocol's compact cursors): snapshots of encoded positions
 * by a random id, each kept for a while, readable on every node. One memory and one Redis implementation.
 */
export interface CursorStore {
  /** Stores `positions` (an encoded plain cursor) under `id` for `ttlMs`. */
  save(id: string, positions: string, ttlMs: number): Promise<void>;
  /** The positions stored under `id`, or undefined when unknown or expired. */
  load(id: string): Promise<string | undefined>;
  close(): Promise<void>;
}

/** The embedded broker's store: one process, at most `maxEntries` snapshots (the oldest go first). */
export class MemoryCursorStore implements CursorStore {
  private readonly entries = new Map<string, { readonly positions: string; readonly expiresAt: number }>();

  constructor(private readonly maxEntries = 100_000) {}

  save(id: string, positions: string, ttlMs: number): Promise<void> {
    this.entries.delete(id);
    this.entries.set(id, { positions, expiresAt: Date.now() + ttlMs });
    while (this.entries.size > this.maxEntries) this.entries.delete(this.entries.keys().next().value ?? '');
    return Promise.resolve();
  }

  load(id: string): Promise<string | undefined> {
    const entry = this.entries.get(id);
    if (entry && entry.expiresAt <= Date.now()) this.entries.delete(id);
    return Promise.resolve(entry && entry.expiresAt > Date.now() ? entry.positions : undefined);
  }

  close(): Promise<void> {
    this.entries.clear();
    return Promise.resolve();
  }
}
