import type { Socket } from 'node:net';
import { WebSocket } from 'ws';
import type { WriteCoalescer } from './write-coalescer.js';

export const CLOSE_SLOW_CONSUMER = 4008;
const SLOW_CLOSE_GRACE_MS = 1000;

/**
 * Writes to one WebSocket client: pre-encoded frames straight to its socket (corked per turn),
 * other events through `ws`. When the client's unsent bytes pass the bound it is disconnected
 * with 4008, so one slow reader never holds memory or slows anyone else.
 */
export class WsOutlet {
  private slow = false;

  constructor(
    private readonly ws: WebSocket,
    private readonly socket: Socket,
    private readonly coalescer: WriteCoalescer,
    private readonly bufferLimit: number,
    private readonly onSlow: () => void,
  ) {}

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN && !this.slow;
  }

  sendFrame(frame: Buffer): boolean {
    if (!this.open) return false;
    this.coalescer.cork(this.socket);
    this.socket.write(frame);
    this.checkBackpressure();
    return true;
  }

  sendText(text: string): boolean {
    if (!this.open) return false;
    this.coalescer.cork(this.socket);
    this.ws.send(text);
    this.checkBackpressure();
    return true;
  }

  private checkBackpressure(): void {
    if (this.ws.bufferedAmount <= this.bufferLimit) return;
    this.slow = true;
    this.onSlow();
    this.ws.close(CLOSE_SLOW_CONSUMER, 'slow consumer: outgoing buffer full');
    setTimeout(() => this.ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }
}
