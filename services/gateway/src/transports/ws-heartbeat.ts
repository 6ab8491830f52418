import type { Socket } from 'node:net';
import { STREAM_HEARTBEAT } from '@chat/protocol';
import { WebSocket } from 'ws';
import { encodeTextFrame } from './ws-frame.js';

/** An empty, unmasked ping frame (FIN + opcode 0x9, length 0), as `ws.ping()` writes it. */
const PING_FRAME = Buffer.from([0x89, 0x00]);
/** The heartbeat text frame the page can see, then the ping only the browser sees: one write. */
const VISIBLE_HEARTBEAT = Buffer.concat([encodeTextFrame(STREAM_HEARTBEAT), PING_FRAME]);

/**
 * One timer for every WebSocket of the node: each round pings every socket and drops those that
 * did not answer the previous ping (dead peers, half-open TCP). A JSON-protocol socket also gets a
 * `{"type":"heartbeat"}` text frame in the same write, since a browser never shows pings to the
 * page: that is how a client notices a silent link. The pong and close listeners are shared by
 * all sockets (`this` is the socket), so a connection costs two map/set entries, no closures.
 */
export class WsHeartbeat {
  /** Every watched socket, with its raw socket when it gets the visible heartbeat. */
  private readonly sockets = new Map<WebSocket, Socket | undefined>();
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

  /** Watches `ws`; with its raw `socket`, each round also writes the visible heartbeat frame. */
  watch(ws: WebSocket, socket?: Socket): void {
    this.sockets.set(ws, socket);
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
    for (const [ws, socket] of this.sockets) {
      if (!this.answered.delete(ws) && !late) {
        this.sockets.delete(ws);
        ws.terminate();
        continue;
      }
      // Only while OPEN: after a close frame no data frame may follow.
      if (socket && ws.readyState === WebSocket.OPEN) socket.write(VISIBLE_HEARTBEAT);
      else ws.ping();
    }
  }
}
