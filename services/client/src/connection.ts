import { DISCONNECTS, type ServerEvent } from '@chat/protocol';
import { refusedToken } from './auth-check.js';
import type { ClientEmitter, ConnectionStatus } from './client-events.js';
import type { Endpoints } from './endpoints.js';
import type { PendingSend } from './outbox.js';
import type { Platform } from './platform.js';
import { createTransport } from './transport-factory.js';
import type { TransportPicker } from './transport-picker.js';
import { probeWebSocket } from './upgrade-probe.js';
import type { Transport, TransportClose, TransportContext, TransportName } from './transport.js';

/** Where the connection hands what arrives. */
export interface ConnectionHandlers {
  /** A transport became ready (also after a reconnect or an upgrade). */
  onReady(): void;
  onEvent(event: ServerEvent): void;
  onPresenceSnapshot(room: string, nicks: readonly string[]): void;
}

export interface ConnectionSettings {
  /** Where to connect, with the current token. */
  endpoints(): Endpoints;
  readonly platform: Platform;
  readonly picker: TransportPicker;
  /** While on a fallback, how often to check whether WebSocket works again. */
  readonly upgradeProbeMs: number;
  /** After the server refused the token: get a new one (true) or give up (false). Asked once per refusal. */
  readonly renewToken?: () => Promise<boolean>;
  /** Whether the current token is still good (renewed ahead of the exp a connection ended at). */
  readonly tokenFresh?: () => boolean;
}

const PROBE_TIMEOUT_MS = 5_000;

/**
 * The connection's lifecycle: one transport at a time, reconnecting where and when the picker
 * says, skipping a backoff wait when the browser comes back online, and moving back up to
 * WebSocket from a fallback once a probe finds it works again. Reports itself as `status`.
 */
export class Connection {
  private transport: Transport | undefined;
  private connected = false;
  private stopped = true;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private upgradeTimer: ReturnType<typeof setInterval> | undefined;
  private status: ConnectionStatus;
  /** The server refused our token for good: no reconnecting until stop() and start(). */
  private refused = false;
  /** A new token was asked for since the last ready connection. */
  private renewed = false;
  /** The server said the current transport's token expired (a stream's `error token_expired`). */
  private tokenExpired = false;

  constructor(
    private readonly settings: ConnectionSettings,
    private readonly context: TransportContext,
    private readonly handlers: ConnectionHandlers,
    private readonly emitter: ClientEmitter,
  ) {
    this.status = { state: 'stopped', transport: settings.picker.current };
  }

  get currentStatus(): ConnectionStatus {
    return this.status;
  }

  /** Whether a transport is ready to carry sends and joins. */
  get isConnected(): boolean {
    return this.connected;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.refused = false;
    this.renewed = false;
    globalThis.addEventListener?.('online', this.onOnline);
    globalThis.document?.addEventListener('visibilitychange', this.onOnline);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.upgradeTimer);
    globalThis.removeEventListener?.('online', this.onOnline);
    globalThis.document?.removeEventListener('visibilitychange', this.onOnline);
    this.transport?.close();
    this.transport = undefined;
    this.connected = false;
    this.setStatus({ state: 'stopped', transport: this.settings.picker.current });
  }

  join(room: string): void {
    this.transport?.join(room);
  }

  leave(room: string): void {
    this.transport?.leave(room);
  }

  setNick(nick: string): void {
    this.transport?.setNick(nick);
  }

  send(item: PendingSend): void {
    this.transport?.send(item);
  }

  /** A renewed token for the open connection (a WebSocket refreshes in place). */
  refreshToken(token: string): void {
    this.transport?.refresh?.(token);
  }

  /** Back online, or the tab is shown again: skip the rest of a backoff wait. */
  private readonly onOnline = (): void => {
    if (this.connected || this.stopped || this.refused || this.transport || globalThis.document?.visibilityState === 'hidden') return;
    clearTimeout(this.reconnectTimer);
    this.settings.picker.resetDelay();
    this.connect();
  };

  private connect(): void {
    const name = this.settings.picker.current;
    const transport: Transport = createTransport(name, this.settings.endpoints(), this.settings.platform, this.context, {
      onOpen: (node) => this.transport === transport && this.onOpen(name, node),
      onNode: (node) => this.transport === transport && this.setStatus({ ...this.status, node }),
      onEvent: (event) => {
        if (this.transport !== transport) return;
        if (event.type === 'error' && event.code === 'token_expired') this.tokenExpired = true;
        this.handlers.onEvent(event);
      },
      onPresenceSnapshot: (room, nicks) => this.transport === transport && this.handlers.onPresenceSnapshot(room, nicks),
      onInterrupted: (reason) => this.transport === transport && this.onInterrupted(reason),
      onClose: (close) => this.transport === transport && this.onClose(name, close),
    });
    this.transport = transport;
    this.tokenExpired = false;
    this.setStatus({ state: this.status.state === 'stopped' ? 'connecting' : 'reconnecting', transport: name });
    transport.start();
  }

  private onOpen(name: TransportName, node: string): void {
    this.settings.picker.opened();
    this.connected = true;
    this.renewed = false;
    this.setStatus({ state: 'connected', transport: name, node });
    this.handlers.onReady();
    this.watchForUpgrade();
  }

  /**
   * On a fallback (SSE, long-poll) because WebSocket failed once, keep checking whether it works
   * again (a proxy or a node that recovered) and move back up: positions make the switch lossless.
   */
  private watchForUpgrade(): void {
    clearInterval(this.upgradeTimer);
    this.upgradeTimer = undefined;
    const WebSocketClass = this.settings.platform.WebSocket;
    if (this.settings.picker.upgradeTarget !== 'websocket' || !WebSocketClass) return;
    let probing = false;
    this.upgradeTimer = setInterval(() => {
      if (probing || !this.connected) return;
      probing = true;
      void probeWebSocket(WebSocketClass, this.settings.endpoints().wsUrl, PROBE_TIMEOUT_MS).then((works) => {
        probing = false;
        if (works && !this.stopped && this.settings.picker.upgradeTarget === 'websocket') this.upgradeToBest();
      });
    }, this.settings.upgradeProbeMs);
  }

  private upgradeToBest(): void {
    clearInterval(this.upgradeTimer);
    this.upgradeTimer = undefined;
    const fallback = this.transport;
    this.transport = undefined;
    this.connected = false;
    fallback?.close();
    this.settings.picker.upgrade();
    this.connect();
  }

  private onInterrupted(reason: string): void {
    this.connected = false;
    this.setStatus({ state: 'reconnecting', transport: this.status.transport, reason });
  }

  private onClose(name: TransportName, close: TransportClose): void {
    this.transport = undefined;
    this.connected = false;
    if (this.stopped) return;
    if (close.code === DISCONNECTS.token_expired.closeCode || this.tokenExpired) {
      // Ended at its token's exp: reopen at once with the token renewed ahead, else ask for one.
      if (this.settings.tokenFresh?.() === true) this.reconnectAfter(name, { ...close, opened: true, reconnect: 'now' });
      else void this.onUnauthorized(name, close.reason);
    } else if (close.code === DISCONNECTS.unauthorized.closeCode) {
      void this.onUnauthorized(name, close.reason);
    } else if (!close.opened) {
      // Refused before it was ready: if for the token, no other transport will do better.
      const endpoints = this.settings.endpoints();
      void refusedToken(this.settings.platform.fetch, endpoints, this.context.rooms()[0] ?? 'lobby').then((reason) => {
        if (this.stopped || this.transport) return;
        if (reason === undefined) this.reconnectAfter(name, close);
        else void this.onUnauthorized('http', reason);
      });
    } else {
      this.reconnectAfter(name, close);
    }
  }

  private reconnectAfter(name: TransportName, close: TransportClose): void {
    const next = this.settings.picker.afterClose(close);
    // The reason is the closed transport's; the status names the next one to be tried.
    this.setStatus({ state: 'reconnecting', transport: next.transport, retryInMs: next.delayMs, reason: `${name}: ${close.reason}` });
    this.reconnectTimer = setTimeout(() => this.connect(), next.delayMs);
  }

  /** The server refused the token: ask for a new one once, else stop trying and say why. */
  private async onUnauthorized(answeredBy: string, reason: string): Promise<void> {
    clearInterval(this.upgradeTimer);
    const renew = this.settings.renewToken;
    if (renew && !this.renewed) {
      this.renewed = true;
      const renewedToken = await renew().catch(() => false);
      if (this.stopped || this.transport) return;
      if (renewedToken) {
        this.settings.picker.upgrade();
        this.connect();
        return;
      }
    }
    this.refused = true;
    this.setStatus({ state: 'unauthorized', transport: this.status.transport, reason: `${answeredBy}: ${reason}` });
  }

  private setStatus(status: ConnectionStatus): void {
    this.status = status;
    this.emitter.emit('status', status);
  }
}
