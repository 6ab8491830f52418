/** Something that wants `tick()` after `idleMs` without traffic, repeatedly while idle. */
export interface Idler {
  lastActivity: number;
  tick(now: Date): void;
}

/** One timer for every line-protocol connection of the node (a wheel, not a timer per socket). */
export class IdleTicker {
  private readonly idlers = new Set<Idler>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly idleMs: number) {
    this.timer = setInterval(() => this.round(), Math.max(5, Math.min(1000, Math.floor(idleMs / 4))));
    this.timer.unref();
  }

  add(idler: Idler): () => void {
    this.idlers.add(idler);
    return () => this.idlers.delete(idler);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private round(): void {
    const now = Date.now();
    for (const idler of this.idlers) {
      if (now - idler.lastActivity < this.idleMs) continue;
      idler.lastActivity = now;
      idler.tick(new Date(now));
    }
  }
}
