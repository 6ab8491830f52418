/** A socket the activity watch looks after. */
export interface WatchedSocket {
  /** When the client last sent anything (ms). */
  lastActivity: number;
  /** When the server pinged it and still waits for an answer (ms), else undefined. */
  pingedAt: number | undefined;
  ping(): void;
  /** No answer to the ping in time: close with 4201. */
  pongTimedOut(): void;
}

/**
 * One timer for every Pusher socket of the node: a socket silent for the activity timeout gets
 * `pusher:ping`; one that does not answer within the pong timeout is closed (4201).
 */
export class ActivityWatch {
  private readonly sockets = new Set<WatchedSocket>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly activityTimeoutMs: number,
    private readonly pongTimeoutMs: number,
  ) {
    this.timer = setInterval(() => this.round(), Math.max(10, Math.min(1000, activityTimeoutMs / 4, pongTimeoutMs / 4)));
    this.timer.unref();
  }

  watch(socket: WatchedSocket): () => void {
    this.sockets.add(socket);
    return () => this.sockets.delete(socket);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private round(): void {
    const now = Date.now();
    for (const socket of this.sockets) {
      if (socket.pingedAt !== undefined) {
        if (now - socket.pingedAt > this.pongTimeoutMs) {
          this.sockets.delete(socket);
          socket.pongTimedOut();
        }
      } else if (now - socket.lastActivity > this.activityTimeoutMs) {
        socket.pingedAt = now;
        socket.ping();
      }
    }
  }
}
