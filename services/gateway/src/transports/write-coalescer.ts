import type { Socket } from 'node:net';

/**
 * Corks each socket written to during one event-loop turn and uncorks them all once, so a burst of
 * N frames to one client costs one syscall instead of N.
 */
export class WriteCoalescer {
  private readonly corked = new Set<Socket>();
  private scheduled = false;

  cork(socket: Socket): void {
    if (this.corked.has(socket)) return;
    socket.cork();
    this.corked.add(socket);
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  private readonly flush = (): void => {
    this.scheduled = false;
    for (const socket of this.corked) socket.uncork();
    this.corked.clear();
  };
}
