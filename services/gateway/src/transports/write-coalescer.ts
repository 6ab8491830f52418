import type { Socket } from 'node:net';

/** A writer whose socket is corked for a turn; it checks its backlog once the turn's bytes are handed to the kernel. */
export interface CorkedWriter {
  readonly socket: Socket;
  afterUncork(): void;
}

/**
 * Corks each socket written to during one event-loop turn and uncorks them all once, so a burst of
 * N frames to one client costs one syscall instead of N.
 */
export class WriteCoalescer {
  private readonly corked = new Set<CorkedWriter>();
  private scheduled = false;

  cork(writer: CorkedWriter): void {
    if (this.corked.has(writer)) return;
    writer.socket.cork();
    this.corked.add(writer);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    const writers = [...this.corked];
    this.corked.clear();
    for (const writer of writers) writer.socket.uncork();
    for (const writer of writers) writer.afterUncork();
  };
}
