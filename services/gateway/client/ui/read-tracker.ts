/** After the last message shown, how long before the read position is stored (one call per burst). */
const STORE_AFTER_MS = 400;

/** Stores how far the user has read each room, only forwards and at most once per burst. */
export class ReadTracker {
  private readonly stored = new Map<string, number>();
  private readonly wanted = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly store: (room: string, offset: number) => void) {}

  /** The server's stored position (from `joined`). */
  known(room: string, offset: number): void {
    if (offset > (this.stored.get(room) ?? 0)) this.stored.set(room, offset);
  }

  read(room: string, offset: number): void {
    if (offset <= Math.max(this.stored.get(room) ?? 0, this.wanted.get(room) ?? 0)) return;
    this.wanted.set(room, offset);
    this.timer ??= setTimeout(() => this.flush(), STORE_AFTER_MS);
  }

  private flush(): void {
    this.timer = undefined;
    for (const [room, offset] of this.wanted) {
      this.stored.set(room, offset);
      this.store(room, offset);
    }
    this.wanted.clear();
  }
}
