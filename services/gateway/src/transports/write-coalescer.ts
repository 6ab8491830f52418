import type { Socket } from 'node:net';

/** A writer whose socket is corked until a flush; it checks its backlog once the bytes are handed to the kernel. */
export interface CorkedWriter {
  readonly socket: Socket;
  /** True while the writer waits in a coalescer's batch (kept on the writer: no set lookup per frame). */
  corked: boolean;
  /** The coalescer's turn in which the writer last wrote straight to its socket. */
  turn: number;
  afterUncork(): void;
}

/**
 * Corks each socket written to more than once in a turn and uncorks them all at once, so N frames
 * to one client cost two syscalls instead of N. With no window the batch is one event-loop turn (flushed by setImmediate);
 * with a window of W ms (WRITE_BATCH_MS) it is every frame of the next W ms, flushed by one timer
 * for the whole node: no frame waits longer than W, and no timer is kept per connection.
 */
export class WriteCoalescer {
  private batch: CorkedWriter[] = [];
  private spare: CorkedWriter[] = [];
  private scheduled = false;
  /** Counts flushes: a writer whose `turn` is this one was written to since the last flush. */
  private turn = 0;
  private windowed: WriteCoalescer | undefined;

  constructor(readonly windowMs = 0) {}

  /** The node's coalescer for a window of `ms` (this one when `ms` is its own). */
  withWindow(ms: number): WriteCoalescer {
    if (ms === this.windowMs) return this;
    if (this.windowed?.windowMs !== ms) this.windowed = new WriteCoalescer(ms);
    return this.windowed;
  }

  /**
   * Writes a frame: with no window the first frame of a turn goes straight to the socket (at a
   * chat's pace a client gets one frame a turn, and a corked write costs Node a buffered entry
   * and a writev for nothing); a second one in the same turn corks the socket until the flush.
   */
  write(writer: CorkedWriter, frame: Buffer): 'direct' | 'corked' {
    if (this.windowMs === 0 && !writer.corked && writer.turn !== this.turn) {
      writer.turn = this.turn;
      this.schedule();
      writer.socket.write(frame);
      return 'direct';
    }
    this.cork(writer);
    writer.socket.write(frame);
    return 'corked';
  }

  private cork(writer: CorkedWriter): void {
    if (writer.corked) return;
    writer.corked = true;
    writer.socket.cork();
    this.batch.push(writer);
    this.schedule();
  }

  /** The turn ends at the next flush: every writer written to in it counts as written. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    if (this.windowMs === 0) setImmediate(this.flush);
    else setTimeout(this.flush, this.windowMs);
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    this.turn += 1;
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
