import WebSocket from 'ws';
import { parseServerEvent, type Ack } from './events.js';
import { MessageLog, type Reconnect } from './message-log.js';

export interface RoamingOptions {
  /** No frame (message or ping) for this long: the link is dead, reconnect. */
  readonly livenessMs?: number;
  /** Reconnect backoff with full jitter, as the browser client's: delay n uniform in [0, min(cap, base·2^n)]. */
  readonly backoffBaseMs?: number;
  readonly backoffCapMs?: number;
}

/** A text frame's payload (ws hands it over as a Buffer by default). */
function textOf(data: WebSocket.RawData): string {
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data).toString('utf8');
}

interface PendingSend {
  readonly room: string;
  readonly text: string;
  readonly resolve: (ack: Ack) => void;
}

/**
 * A WebSocket client for the network suites that behaves like the browser client: through nginx
 * to any node; on a close (1012, a dead node) or a silent link (no frame for `livenessMs`) it
 * reconnects with jittered backoff, resumes every room with `since`, and re-sends unacknowledged
 * messages with the same cid, also after an `unavailable` error.
 */
export class RoamingClient {
  readonly log = new MessageLog();
  readonly closes: Array<{ code: number; node: string | undefined; at: number }> = [];
  readonly reconnects: Reconnect[] = [];
  readonly unavailable: string[] = [];
  /** When each (room, epoch, offset) first arrived, live or by backfill. */
  readonly arrivedAt = new Map<string, number>();
  node: string | undefined;
  /** When the latest connection attempt started, and when its `welcome` came (undefined until then). */
  openedAt = 0;
  welcomedAt: number | undefined;
  private socket: WebSocket | undefined;
  private readonly pending = new Map<string, PendingSend>();
  private awaitingJoins = new Set<string>();
  private stopped = false;
  private lostAt: number | undefined;
  private lostFrom: string | undefined;
  private lastFrameAt = Date.now();
  private attempt = 0;
  private liveness: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private onJoined: (() => void) | undefined;

  constructor(
    private readonly wsUrl: string,
    readonly nick: string,
    private readonly rooms: readonly string[],
    private readonly options: RoamingOptions = {},
  ) {}

  get joined(): boolean {
    return this.socket?.readyState === WebSocket.OPEN && this.awaitingJoins.size === 0;
  }

  /** True after a loss until every room is joined again. */
  get resuming(): boolean {
    return this.lostAt !== undefined;
  }

  connect(timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.nick} not joined after ${timeoutMs} ms: ${this.describe()}`)), timeoutMs);
      this.onJoined = () => {
        clearTimeout(timer);
        resolve();
      };
      this.open();
      const livenessMs = this.options.livenessMs;
      if (livenessMs !== undefined) {
        this.liveness = setInterval(() => {
          if (this.socket?.readyState === WebSocket.OPEN && Date.now() - this.lastFrameAt > livenessMs) this.socket.terminate();
        }, Math.max(50, livenessMs / 4));
      }
    });
  }

  /** Resolves with the ack, across reconnects and `unavailable` answers (same cid, stored once). */
  send(room: string, text: string, cid: string): Promise<Ack> {
    return new Promise((resolve) => {
      this.pending.set(cid, { room, text, resolve });
      this.transmit(cid);
    });
  }

  describe(): string {
    return JSON.stringify({ nick: this.nick, node: this.node, awaiting: [...this.awaitingJoins], closes: this.closes.slice(-5), pending: this.pending.size, unavailable: this.unavailable.length });
  }

  close(): void {
    this.stopped = true;
    clearInterval(this.liveness);
    clearTimeout(this.retryTimer);
    this.socket?.terminate();
  }

  private open(): void {
    if (this.stopped) return;
    this.openedAt = Date.now();
    this.welcomedAt = undefined;
    const socket = new WebSocket(`${this.wsUrl}/ws`);
    this.socket = socket;
    this.awaitingJoins = new Set(this.rooms);
    this.lastFrameAt = Date.now();
    socket.on('message', (data) => {
      this.lastFrameAt = Date.now();
      this.onFrame(textOf(data));
    });
    socket.on('ping', () => (this.lastFrameAt = Date.now()));
    socket.on('error', () => undefined);
    socket.on('close', (code) => this.onClose(socket, code));
  }

  private onClose(socket: WebSocket, code: number): void {
    if (this.socket !== socket) return;
    this.closes.push({ code, node: this.node, at: Date.now() });
    if (this.stopped) return;
    if (this.lostAt === undefined) {
      this.lostAt = Date.now();
      this.lostFrom = this.node;
    }
    this.node = undefined;
    const base = this.options.backoffBaseMs ?? 500;
    const ceiling = Math.min(this.options.backoffCapMs ?? 5_000, base * 2 ** this.attempt);
    this.attempt = Math.min(this.attempt + 1, 20);
    this.retryTimer = setTimeout(() => this.open(), Math.floor(Math.random() * ceiling));
  }

  private onFrame(raw: string): void {
    const event = parseServerEvent(raw);
    switch (event.type) {
      case 'welcome':
        this.node = event.node;
        this.welcomedAt = Date.now();
        this.frame({ type: 'nick', nick: this.nick });
        for (const room of this.rooms) this.join(room);
        return;
      case 'joined':
        this.log.joined(event, this.node);
        for (const message of event.messages) this.arrived(message);
        if (!this.awaitingJoins.delete(event.room) || this.awaitingJoins.size > 0) return;
        this.attempt = 0;
        if (this.lostAt !== undefined) {
          this.reconnects.push({ from: this.lostFrom, to: this.node, ms: Date.now() - this.lostAt });
          this.lostAt = undefined;
        }
        for (const cid of this.pending.keys()) this.transmit(cid);
        this.onJoined?.();
        this.onJoined = undefined;
        return;
      case 'message':
        this.log.message(event);
        this.arrived(event);
        return;
      case 'ack': {
        const pending = this.pending.get(event.cid);
        if (!pending) return;
        this.pending.delete(event.cid);
        pending.resolve({ room: event.room, epoch: event.epoch, offset: event.offset, cid: event.cid, node: this.node ?? '' });
        return;
      }
      case 'error':
        this.onError(JSON.parse(raw) as { code?: unknown; room?: unknown; cid?: unknown; for?: unknown });
        return;
      default:
        return;
    }
  }

  /** A temporary `unavailable`: retry the same join or send (same cid) after a short jittered pause. */
  private onError(error: { code?: unknown; room?: unknown; cid?: unknown; for?: unknown }): void {
    if (error.code !== 'unavailable') return;
    this.unavailable.push(`${String(error.for)} ${String(error.cid ?? error.room)}`);
    const socket = this.socket;
    const retry = (action: () => void): void => void setTimeout(() => this.socket === socket && action(), 200 + Math.random() * 300);
    if (error.for === 'join' && typeof error.room === 'string' && this.awaitingJoins.has(error.room)) {
      const room = error.room;
      retry(() => this.join(room));
    } else if (error.for === 'send' && typeof error.cid === 'string') {
      const cid = error.cid;
      retry(() => this.transmit(cid));
    }
  }

  private arrived(message: { room: string; epoch: string; offset: number }): void {
    const key = `${message.room}|${message.epoch}|${message.offset}`;
    if (!this.arrivedAt.has(key)) this.arrivedAt.set(key, Date.now());
  }

  private join(room: string): void {
    const since = this.log.positions.get(room);
    this.frame(since ? { type: 'join', room, since } : { type: 'join', room });
  }

  private transmit(cid: string): void {
    const pending = this.pending.get(cid);
    if (pending && this.awaitingJoins.size === 0) this.frame({ type: 'send', room: pending.room, text: pending.text, cid });
  }

  private frame(frame: Record<string, unknown>): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }
}
