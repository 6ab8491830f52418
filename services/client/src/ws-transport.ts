import { disconnectOfCloseCode, parseJson, parseServerEvent, type ClientFrame } from '@chat/protocol';
import type { PendingSend } from './outbox.js';
import { WEBSOCKET_OPEN, type WebSocketConstructor, type WebSocketLike } from './platform.js';
import { SilenceWatch, silenceLimitMs } from './silence-watch.js';
import { OPEN_TIMEOUT_MS, type Transport, type TransportContext, type TransportHandlers } from './transport.js';

/** Against a node that announces no heartbeat: our own ping when idle this long, dead 10 s later. */
const PING_EVERY_MS = 25_000;
const PONG_WITHIN_MS = 10_000;
/** The close code a client uses when it gives up on a silent connection. */
const CLOSE_CLIENT_GAVE_UP = 4000;

/** The JSON protocol over one WebSocket to `/ws`. Ready once `welcome` arrives. */
export class WebSocketTransport implements Transport {
  readonly name = 'websocket';
  private socket: WebSocketLike | undefined;
  private opened = false;
  private closed = false;
  private openTimer: ReturnType<typeof setTimeout> | undefined;
  private pingTimer: ReturnType<typeof setInterval> | undefined;
  private lastHeard = 0;
  private readonly silence = new SilenceWatch((silentMs) => this.abort(`the connection went silent (nothing for ${(silentMs / 1000).toFixed(1)} s)`));

  constructor(
    private readonly WebSocketClass: WebSocketConstructor,
    private readonly url: string,
    private readonly context: TransportContext,
    private readonly handlers: TransportHandlers,
  ) {}

  start(): void {
    let socket: WebSocketLike;
    try {
      socket = new this.WebSocketClass(this.url);
    } catch (error) {
      queueMicrotask(() => this.finish({ opened: false, reason: `WebSocket refused: ${String(error)}`, reconnect: 'backoff' }));
      return;
    }
    this.socket = socket;
    this.openTimer = setTimeout(() => this.abort('no welcome in time'), OPEN_TIMEOUT_MS);
    socket.onmessage = (message) => this.onFrame(message.data);
    socket.onclose = (event) => {
      const reconnect = disconnectOfCloseCode(event.code)?.reconnect === 'now' ? 'now' : 'backoff';
      this.finish({ opened: this.opened, code: event.code, reason: event.reason || `closed (${event.code})`, reconnect });
    };
    // `error` is always followed by `close`, which carries the code; nothing to do here.
    socket.onerror = () => undefined;
  }

  join(room: string): void {
    const since = this.context.position(room);
    const nick = this.context.nick();
    this.write({ type: 'join', room, ...(nick === '' ? {} : { nick }), ...(since ? { since: { epoch: since.epoch, offset: since.offset } } : {}) });
  }

  leave(room: string): void {
    this.write({ type: 'leave', room });
  }

  setNick(nick: string): void {
    if (nick !== '') this.write({ type: 'nick', nick });
  }

  send(item: PendingSend): void {
    this.write({ type: 'send', room: item.room, text: item.text, cid: item.cid, key: item.key });
  }

  refresh(token: string): void {
    this.write({ type: 'refresh', token });
  }

  close(): void {
    this.closed = true;
    this.stopTimers();
    this.socket?.close(1000, 'client closed');
  }

  private onFrame(data: unknown): void {
    if (typeof data !== 'string') return;
    this.lastHeard = Date.now();
    this.silence.heard();
    const event = parseServerEvent(parseJson(data));
    if (!event) return;
    if (event.type === 'welcome' && !this.opened) {
      this.opened = true;
      clearTimeout(this.openTimer);
      if (event.heartbeatMs !== undefined) this.silence.watch(silenceLimitMs(event.heartbeatMs));
      else this.startPinging();
      this.setNick(this.context.nick());
      for (const room of this.context.rooms()) this.join(room);
      this.handlers.onOpen(event.node);
    }
    this.handlers.onEvent(event);
  }

  /** A node without a heartbeat frame: ask with our own ping, as a half-open link is only noticed by missing answers. */
  private startPinging(): void {
    this.silence.watch(PING_EVERY_MS + PONG_WITHIN_MS);
    this.pingTimer = setInterval(() => {
      if (Date.now() - this.lastHeard >= PING_EVERY_MS) this.write({ type: 'ping' });
    }, PONG_WITHIN_MS / 2);
  }

  private write(frame: ClientFrame): void {
    if (this.socket?.readyState === WEBSOCKET_OPEN) this.socket.send(JSON.stringify(frame));
  }

  private abort(reason: string): void {
    const opened = this.opened;
    this.socket?.close(CLOSE_CLIENT_GAVE_UP, reason.slice(0, 100));
    this.finish({ opened, reason, reconnect: 'backoff' });
  }

  private stopTimers(): void {
    clearTimeout(this.openTimer);
    clearInterval(this.pingTimer);
    this.silence.stop();
  }

  private finish(close: Parameters<TransportHandlers['onClose']>[0]): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimers();
    if (this.socket) {
      this.socket.onmessage = null;
      this.socket.onclose = null;
    }
    this.handlers.onClose(close);
  }
}
