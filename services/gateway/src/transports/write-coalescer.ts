import type { Socket } from 'node:net';

/** A writer whose socket is corked until a flush; it checks its backlog once the bytes are handed to the kernel. */
export interface CorkedWriter {
  readonly socket: Socket;
  /** True while the writer waits in a coalescer's batch (kept on the writer: no set lookup per frame). */
  corked: boolean;
  afterUncork(): void;
}

/**
 * Corks each socket written to and uncorks them all at once, so N frames to one client cost one
 * syscall instead of N. With no window the batch is one event-loop turn (flushed by setImmediate);
 * with a window of W ms (WRITE_BATCH_MS) it is every frame of the next W ms, flushed by one timer
 * for the whole node: no frame waits longer than W, and no timer is kept per connection.
 */
export class WriteCoalescer {
  private batch: CorkedWriter[] = [];
  private spare: CorkedWriter[] = [];
  private scheduled = false;
  private windowed: WriteCoalescer | undefined;

  constructor(readonly windowMs = 0) {}

  /** The node's coalescer for a window of `ms` (this one when `ms` is its own). */
  withWindow(ms: number): WriteCoalescer {
    if (ms === this.windowMs) return this;
    if (this.windowed?.windowMs !== ms) this.windowed = new WriteCoalescer(ms);
    return this.windowed;
  }

  cork(writer: CorkedWriter): void {
    if (writer.corked) return;
    writer.corked = true;
    writer.socket.cork();
    this.batch.push(writer);
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.windowMs === 0) setImmediate(this.flush);
    else setTimeout(this.flush, this.windowMs);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    // Two arrays swapped, not a copy per flush: a write during afterUncork lands in the next batch.
    const writers = this.batch;
    this.batch = this.spare;
    for (const writer of writers) {
      writer.corked = false;
      writer.socket.uncork();
    }
    for (const writer of writers) writer.afterUncork();
    writers.length = 0;
    this.spare = writers;
  };
}
