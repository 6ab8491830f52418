interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * Sends items of one key (a room, a publish group) together: what arrives in one event-loop turn
 * leaves as one call at its end (setImmediate: every socket read of the turn has been handled),
 * and while a key's call is in flight what arrives waits for it and leaves with the next, so the
 * busier the key, the more a call carries. A join storm of a room's members costs a few calls,
 * not one per member. Every caller gets its own result (the call's results are in the order of
 * its items; an Error among them fails that item alone) or the whole call's error.
 */
export class KeyedBatches<T, R = void> {
  private readonly queued = new Map<string, Array<Waiting<T, R>>>();
  private readonly inFlight = new Set<string>();
  private scheduled = false;

  constructor(
    private readonly send: (key: string, items: readonly T[]) => Promise<ReadonlyArray<R | Error>>,
    /** Most items one call carries: Redis runs a script alone, so a call must stay short. */
    private readonly maxPerCall: number,
  ) {}

  add(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const queue = this.queued.get(key);
      if (queue) queue.push({ item, resolve, reject });
      else this.queued.set(key, [{ item, resolve, reject }]);
      this.schedule();
    });
  }

  /**
   * Takes back the items of `key` not yet sent that `match` picks: their callers settle with
   * `result` now. An item already in flight is Redis's: what follows it on the connection comes after.
   */
  withdraw(key: string, match: (item: T) => boolean, result: R): void {
    const queue = this.queued.get(key);
    if (!queue) return;
    const kept = queue.filter((waiting) => {
      if (!match(waiting.item)) return true;
      waiting.resolve(result);
      return false;
    });
    if (kept.length > 0) this.queued.set(key, kept);
    else this.queued.delete(key);
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      for (const key of [...this.queued.keys()]) if (!this.inFlight.has(key)) this.flush(key);
    });
  }

  private flush(key: string): void {
    const queue = this.queued.get(key) ?? [];
    const batch = queue.splice(0, this.maxPerCall);
    if (queue.length === 0) this.queued.delete(key);
    if (batch.length === 0) return;
    this.inFlight.add(key);
    this.send(
      key,
      batch.map((waiting) => waiting.item),
    )
      .then(
        (results) =>
          batch.forEach((waiting, index) => {
            if (index >= results.length) return waiting.reject(new Error(`a batched call returned ${results.length} results for ${batch.length} items`));
            const result = results[index] as R | Error;
            if (result instanceof Error) waiting.reject(result);
            else waiting.resolve(result);
          }),
        (error: unknown) => batch.forEach((waiting) => waiting.reject(error)),
      )
      .finally(() => {
        this.inFlight.delete(key);
        if (this.queued.has(key)) this.schedule();
      });
  }
}
