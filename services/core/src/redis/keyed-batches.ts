interface Waiting<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

/** A key's items not yet sent, and whether its call is in flight. */
interface KeyState<T, R> {
  readonly key: string;
  waiting: Array<Waiting<T, R>>;
  inFlight: boolean;
}

/** How often keys with nothing waiting and nothing in flight are forgotten. */
const IDLE_SWEEP_MS = 1000;

/**
 * Sends items of one key (a room, a publish group) together: what arrives in one event-loop turn
 * leaves as one call at its end (setImmediate: every socket read of the turn has been handled),
 * and while a key's call is in flight what arrives waits for it and leaves with the next, so the
 * busier the key, the more a call carries. A join storm of a room's members costs a few calls,
 * not one per member. Every caller gets its own result (the call's results are in the order of
 * its items; an Error among them fails that item alone) or the whole call's error.
 *
 * A key's state stays while it is busy and is forgotten by a sweep at most every second once
 * idle: a Map whose table grows and shrinks with every call (one key, one message a turn) makes
 * V8 allocate a new table each time, in the old generation, where a long-lived Map's table lives.
 */
export class KeyedBatches<T, R = void> {
  private readonly keys = new Map<string, KeyState<T, R>>();
  /** Keys with items to send at the end of this turn (or when their call in flight answers). */
  private due: Array<KeyState<T, R>> = [];
  private scheduled = false;
  private sweptAt = 0;

  constructor(
    private readonly send: (key: string, items: readonly T[]) => Promise<ReadonlyArray<R | Error>>,
    /** Most items one call carries: Redis runs a script alone, so a call must stay short. */
    private readonly maxPerCall: number,
  ) {}

  add(key: string, item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let state = this.keys.get(key);
      if (!state) this.keys.set(key, (state = { key, waiting: [], inFlight: false }));
      state.waiting.push({ item, resolve, reject });
      if (state.waiting.length === 1 && !state.inFlight) this.schedule(state);
    });
  }

  /**
   * Takes back the items of `key` not yet sent that `match` picks: their callers settle with
   * `result` now. An item already in flight is Redis's: what follows it on the connection comes after.
   */
  withdraw(key: string, match: (item: T) => boolean, result: R): void {
    const state = this.keys.get(key);
    if (!state) return;
    state.waiting = state.waiting.filter((waiting) => {
      if (!match(waiting.item)) return true;
      waiting.resolve(result);
      return false;
    });
  }

  private schedule(state: KeyState<T, R>): void {
    this.due.push(state);
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      const due = this.due;
      this.due = [];
      for (const state of due) if (!state.inFlight && state.waiting.length > 0) this.flush(state);
      this.sweepIdle();
    });
  }

  private sweepIdle(): void {
    const now = Date.now();
    if (now - this.sweptAt < IDLE_SWEEP_MS) return;
    this.sweptAt = now;
    this.keys.forEach((state, key) => {
      if (!state.inFlight && state.waiting.length === 0) this.keys.delete(key);
    });
  }

  private flush(state: KeyState<T, R>): void {
    const batch = state.waiting.length <= this.maxPerCall ? state.waiting : state.waiting.slice(0, this.maxPerCall);
    state.waiting = batch === state.waiting ? [] : state.waiting.slice(this.maxPerCall);
    state.inFlight = true;
    this.send(
      state.key,
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
        state.inFlight = false;
        if (state.waiting.length > 0) this.schedule(state);
      });
  }
}
