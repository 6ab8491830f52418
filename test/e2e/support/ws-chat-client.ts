import WebSocket from 'ws';
import type { Ack, ServerEvent } from './events.js';
import { parseServerEvent } from './events.js';
import { MessageLog, type Reconnect } from './message-log.js';

interface PendingSend {
  readonly room: string;
  readonly text: string;
  readonly resolve: (ack: Ack) => void;
}

/**
 * A WebSocket chat client that behaves like a well-written browser client: on any close it
 * reconnects (through nginx, so to any node), re-joins every room with `since` = its last
 * position, and re-sends unacknowledged messages with the same `cid`.
 */
export class WsChatClient {
  readonly log = new MessageLog();
  readonly closes: Array<{ code: number; node: string | undefined; at: number }> = [];
  readonly reconnects: Reconnect[] = [];
  readonly errors: string[] = [];
  node: string | undefined;
  private socket: WebSocket | undefined;
  private readonly pending = new Map<string, PendingSend>();
  private closedByUs = false;
  private lostAt: number | undefined;
  private lostFrom: string | undefined;
  private awaitingJoins = new Set<string>();
  private connected: (() => void) | undefined;

  constructor(
    private readonly wsUrl: string,
    readonly nick: string,
    private readonly rooms: readonly string[],
  ) {}

  /** Connects and resolves once every room is joined; rejects with what it saw after `timeoutMs`. */
  connect(timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.nick} not joined after ${timeoutMs} ms: ${this.describe()}`)), timeoutMs);
      this.connected = () => {
        clearTimeout(timer);
        resolve();
      };
      this.open();
    });
  }

  /** Sends `text`; resolves with the ack, across reconnects if need be (same cid, stored once). */
  send(room: string, text: string, cid: string): Promise<Ack> {
    return new Promise((resolve) => {
      this.pending.set(cid, { room, text, resolve });
      if (this.awaitingJoins.size === 0) this.transmit(cid);
    });
  }

  /** The client's state, for a failure message. */
  describe(): string {
    return JSON.stringify({ node: this.node, awaitingJoins: [...this.awaitingJoins], closes: this.closes, errors: this.errors.slice(-5), joins: this.log.joins.length });
  }

  close(): void {
    this.closedByUs = true;
    this.socket?.terminate();
  }

  private open(): void {
    const socket = new WebSocket(`${this.wsUrl}/ws`);
    this.socket = socket;
    this.awaitingJoins = new Set(this.rooms);
    socket.on('message', (data) => this.onEvent(parseServerEvent(data.toString())));
    socket.on('error', (error) => this.errors.push(error.message));
    socket.on('close', (code) => {
      if (this.socket !== socket) return;
      this.closes.push({ code, node: this.node, at: Date.now() });
      if (this.closedByUs) return;
      if (this.lostAt === undefined) {
        this.lostAt = Date.now();
        this.lostFrom = this.node;
      }
      this.node = undefined;
      // 1012 says "go elsewhere now"; anything else may be a dead node nginx has not noticed yet.
      setTimeout(() => this.open(), code === 1012 ? 0 : 100);
    });
  }

  private onEvent(event: ServerEvent): void {
    switch (event.type) {
      case 'welcome':
        this.node = event.node;
        this.sendFrame({ type: 'nick', nick: this.nick });
        for (const room of this.rooms) this.join(room);
        return;
      case 'joined':
        this.log.joined(event, this.node);
        if (!this.awaitingJoins.delete(event.room) || this.awaitingJoins.size > 0) return;
        if (this.lostAt !== undefined) {
          this.reconnects.push({ from: this.lostFrom, to: this.node, ms: Date.now() - this.lostAt });
          this.lostAt = undefined;
        }
        for (const cid of this.pending.keys()) this.transmit(cid);
        this.connected?.();
        this.connected = undefined;
        return;
      case 'message':
        this.log.message(event);
        return;
      case 'ack': {
        const pending = this.pending.get(event.cid);
        if (!pending) return;
        this.pending.delete(event.cid);
        pending.resolve({ room: event.room, epoch: event.epoch, offset: event.offset, cid: event.cid, node: this.node ?? '' });
        return;
      }
      case 'error': {
        this.errors.push(`${event.code}: ${event.message}`);
        // A join refused while the broker is away is retried, as a real client would.
        const room = event.room;
        if (event.code === 'unavailable' && room !== undefined && this.awaitingJoins.has(room)) {
          setTimeout(() => this.join(room), 200);
        }
        return;
      }
      default:
        return;
    }
  }

  private join(room: string): void {
    const since = this.log.positions.get(room);
    this.sendFrame(since ? { type: 'join', room, since } : { type: 'join', room });
  }

  private transmit(cid: string): void {
    const pending = this.pending.get(cid);
    if (pending) this.sendFrame({ type: 'send', room: pending.room, text: pending.text, cid });
  }

  private sendFrame(frame: Record<string, unknown>): void {
    if (this.socket?.readyState === WebSocket.OPEN) this.socket.send(JSON.stringify(frame));
  }
}
