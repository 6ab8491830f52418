import type { Socket } from 'node:net';
import { DISCONNECTS } from '@chat/protocol';
import { WebSocket } from 'ws';
import type { CorkedWriter, WriteCoalescer } from './write-coalescer.js';
import { encodeTextFrame } from './ws-frame.js';

const SLOW_CLOSE_GRACE_MS = 1000;
/** Within one turn a burst may pass the bound; this many times the bound is too much even then. */
const BURST_ALLOWANCE = 4;

/**
 * Writes to one WebSocket client: frames straight to its socket (corked per turn); control
 * frames (close, ping) through `ws`. When the client's unsent bytes pass the bound it is disconnected
 * with 4008, so one slow reader never holds memory or slows anyone else.
 */
export class WsOutlet implements CorkedWriter {
  corked = false;
  turn = -1;
  private slow = false;

  constructor(
    private readonly ws: WebSocket,
    readonly socket: Socket,
    private readonly coalescer: WriteCoalescer,
    private readonly bufferLimit: number,
    private readonly onSlow: () => void,
  ) {}

  get open(): boolean {
    return this.ws.readyState === WebSocket.OPEN && !this.slow;
  }

  sendFrame(frame: Buffer): boolean {
    if (!this.open) return false;
    // A frame written straight out is the first of its turn: what stays queued is the client's backlog.
    const written = this.coalescer.write(this, frame);
    this.checkBackpressure(written === 'direct' ? this.bufferLimit : this.bufferLimit * BURST_ALLOWANCE);
    return true;
  }

  /** A text frame framed here (one buffer, no trip through ws's sender): it joins the turn's write like any frame. */
  sendText(text: string): boolean {
    return this.open && this.sendFrame(encodeTextFrame(text));
  }

  /** After the turn's bytes went to the kernel: what is still queued is the client's unread backlog. */
  afterUncork(): void {
    this.checkBackpressure(this.bufferLimit);
  }

  private checkBackpressure(limit: number): void {
    if (this.slow || this.ws.bufferedAmount <= limit) return;
    this.slow = true;
    this.onSlow();
    this.ws.close(DISCONNECTS.slow_consumer.closeCode, DISCONNECTS.slow_consumer.reason);
    setTimeout(() => this.ws.terminate(), SLOW_CLOSE_GRACE_MS).unref();
  }
}
