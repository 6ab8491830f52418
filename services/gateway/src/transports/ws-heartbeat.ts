import type { WebSocket } from 'ws';

/**
 * One timer for every WebSocket of the node: each round pings every socket and drops those that
 * did not answer the previous ping (dead peers, half-open TCP). The pong and close listeners are
 * shared by all sockets (`this` is the socket), so a connection costs two set entries, no closures.
 */
export class WsHeartbeat {
  private readonly sockets = new Set<WebSocket>();
  /** Sockets that answered since the last round (new ones count as having answered). */
  private readonly answered = new Set<WebSocket>();
  private readonly timer: NodeJS.Timeout;
  private lastRound = Date.now();
  private readonly onPong: (this: WebSocket) => void;
  private readonly onClose: (this: WebSocket) => void;

  constructor(private readonly intervalMs: number) {
    const { sockets, answered } = this;
    this.onPong = function onPong(this: WebSocket) {
      if (sockets.has(this)) answered.add(this);
    };
    this.onClose = function onClose(this: WebSocket) {
      sockets.delete(this);
      answered.delete(this);
    };
    this.timer = setInterval(() => this.round(), intervalMs);
    this.timer.unref();
  }

  watch(ws: WebSocket): void {
    this.sockets.add(ws);
    this.answered.add(ws);
    ws.on('pong', this.onPong);
    ws.once('close', this.onClose);
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private round(): void {
    // A round that comes late means the event loop was stalled: pongs may sit unread in the
    // sockets, so this round only pings; the next one judges.
    const now = Date.now();
    const late = now - this.lastRound > this.intervalMs * 1.5;
    this.lastRound = now;
    for (const ws of this.sockets) {
      if (!this.answered.delete(ws) && !late) {
        this.sockets.delete(ws);
        ws.terminate();
        continue;
      }
      ws.ping();
    }
  }
}
