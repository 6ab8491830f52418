import type { WebSocket } from 'ws';

/**
 * One timer for every WebSocket of the node: each round pings every socket and drops those that
 * did not answer the previous ping (dead peers, half-open TCP).
 */
export class WsHeartbeat {
  private readonly alive = new Map<WebSocket, boolean>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.timer = setInterval(() => this.round(), intervalMs);
    this.timer.unref();
  }

  watch(ws: WebSocket): void {
    this.alive.set(ws, true);
    ws.on('pong', () => this.alive.set(ws, true));
    ws.once('close', () => this.alive.delete(ws));
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private round(): void {
    for (const [ws, alive] of this.alive) {
      if (!alive) {
        this.alive.delete(ws);
        ws.terminate();
        continue;
      }
      this.alive.set(ws, false);
      ws.ping();
    }
  }
}
