import { encodeCursor, isRetryable, type AckEvent, type ChatMessage, type ErrorEvent, type RoomPosition, type ServerEvent } from '@chat/protocol';
import { Emitter } from './emitter.js';
import { endpointsOf, type Endpoints } from './endpoints.js';
import { Outbox, type PendingSend } from './outbox.js';
import { resolvePlatform, type EventSourceConstructor, type FetchFunction, type Platform, type WebSocketConstructor } from './platform.js';
import { PresenceBook } from './presence-book.js';
import { emitEntry, emitSignal, type RoomFeatureEvents } from './room-events.js';
import { RoomFeatures } from './room-features.js';
import { RoomPositions } from './room-positions.js';
import { availableTransports, createTransport } from './transport-factory.js';
import { TransportPicker } from './transport-picker.js';
import { probeWebSocket } from './upgrade-probe.js';
import type { Transport, TransportClose, TransportContext, TransportName } from './transport.js';

export interface ConnectionStatus {
  readonly state: 'connecting' | 'connected' | 'reconnecting' | 'stopped';
  readonly transport: TransportName;
  readonly node?: string;
  readonly retryInMs?: number;
  readonly reason?: string;
}

export interface ChatClientEvents extends RoomFeatureEvents {
  status: ConnectionStatus;
  presence: { readonly room: string; readonly nicks: readonly string[] };
  /** The server could not replay everything since our position: messages may be missing. */
  gap: { readonly room: string; readonly reason: string };
  outbox: readonly PendingSend[];
  error: { readonly code: string; readonly message: string };
  nick: string;
}

/** A stored send: where the message is in its room. */
export interface SendAck extends RoomPosition {
  readonly room: string;
  readonly cid: string;
  readonly ts: number;
  /** The server had stored this cid before (a retry): nothing new was stored. */
  readonly duplicate: boolean;
}

/** A send the server refused for good (not a temporary failure: those are retried). */
export class SendError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly cid: string,
  ) {
    super(message);
    this.name = 'SendError';
  }
}

export interface ChatClientOptions {
  /** The server or load balancer, e.g. `http://localhost:8080`. */
  readonly url: string;
  readonly rooms: readonly string[];
  /** The nick to use; a guest nick from the server when absent (a token's nick always wins). */
  readonly nick?: string;
  /** A JWT when the server requires one. */
  readonly token?: string;
  /** Transports to use, best first; by default every one this platform has. */
  readonly transports?: readonly TransportName[];
  /** In Node: `WebSocket` from 'ws'. Browsers have their own. */
  readonly WebSocket?: WebSocketConstructor;
  /** In Node: `EventSource` from 'eventsource'. Browsers have their own. */
  readonly EventSource?: EventSourceConstructor;
  /** Defaults to the platform's fetch. */
  readonly fetch?: FetchFunction;
  /** While on a fallback, how often to check whether WebSocket works again (default 60 s). */
  readonly upgradeProbeMs?: number;
}

interface AckWaiter {
  resolve(ack: SendAck): void;
  reject(error: SendError): void;
}

const RESEND_CHECK_MS = 1_000;
const UPGRADE_PROBE_MS = 60_000;
const PROBE_TIMEOUT_MS = 5_000;
const RESEND_AFTER_MS = 8_000;
/** How soon a send or join that failed for a temporary reason is tried again, unless the server says. */
const TRANSIENT_RETRY_MS = 1_000;

/** A chat connection that picks a transport, reconnects, resumes, dedupes and retries sends. */
export class ChatClient extends Emitter<ChatClientEvents> {
  private readonly positions = new RoomPositions();
  private readonly presence = new PresenceBook();
  private readonly outbox = new Outbox();
  private readonly picker: TransportPicker;
  private readonly endpoints: Endpoints;
  private readonly platform: Platform;
  private readonly ackWaiters = new Map<string, AckWaiter>();
  private readonly roomList: string[];
  /** Nick → token `sub` of signed-in members seen in presence (direct-message rooms are named by subs). */
  private readonly users = new Map<string, string>();
  /** Typing, read positions, edit and delete, older history: HTTP calls on every transport. */
  readonly features: RoomFeatures;
  private nickname: string;
  private transport: Transport | undefined;
  private connected = false;
  private stopped = true;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private resendTimer: ReturnType<typeof setInterval> | undefined;
  private upgradeTimer: ReturnType<typeof setInterval> | undefined;
  private holdSendsUntil = 0;
  private status: ConnectionStatus;

  constructor(private readonly options: ChatClientOptions) {
    super();
    this.endpoints = endpointsOf(options.url, options.token);
    this.platform = resolvePlatform(options);
    this.picker = new TransportPicker(options.transports ?? availableTransports(this.platform));
    this.roomList = [...new Set(options.rooms)];
    this.nickname = options.nick ?? '';
    this.status = { state: 'stopped', transport: this.picker.current };
    this.features = new RoomFeatures(this.endpoints, this.platform.fetch, () => this.nickname);
  }

  get rooms(): readonly string[] {
    return this.roomList;
  }

  get nick(): string {
    return this.nickname;
  }

  get currentStatus(): ConnectionStatus {
    return this.status;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.resendTimer = setInterval(() => this.resendDue(RESEND_AFTER_MS), RESEND_CHECK_MS);
    globalThis.addEventListener?.('online', this.onOnline);
    globalThis.document?.addEventListener('visibilitychange', this.onOnline);
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.reconnectTimer);
    clearInterval(this.resendTimer);
    clearInterval(this.upgradeTimer);
    globalThis.removeEventListener?.('online', this.onOnline);
    globalThis.document?.removeEventListener('visibilitychange', this.onOnline);
    this.transport?.close();
    this.transport = undefined;
    this.connected = false;
    this.setStatus({ state: 'stopped', transport: this.picker.current });
  }

  join(room: string): void {
    if (this.roomList.includes(room)) return;
    this.roomList.push(room);
    this.transport?.join(room);
  }

  leave(room: string): void {
    const index = this.roomList.indexOf(room);
    if (index < 0) return;
    this.roomList.splice(index, 1);
    this.presence.forget(room);
    this.positions.drop(room);
    this.transport?.leave(room);
  }

  setNick(nick: string): void {
    if (nick === this.nickname) return;
    this.nickname = nick;
    this.transport?.setNick(nick);
    this.emit('nick', nick);
  }

  /**
   * Sends a message: now if connected, else once connected, retried with the same cid until the
   * server stores it. Resolves once stored; rejects with SendError if the server refuses it for good.
   */
  send(room: string, text: string): Promise<SendAck> {
    const item = this.outbox.add(room, text);
    const acked = new Promise<SendAck>((resolve, reject) => this.ackWaiters.set(item.cid, { resolve, reject }));
    this.emitOutbox();
    if (this.connected && Date.now() >= this.holdSendsUntil && this.outbox.attempt(item)) this.transport?.send(item);
    return acked;
  }

  /** Forgets a failed send the user dismissed. */
  discard(cid: string): void {
    this.outbox.discard(cid);
    this.ackWaiters.get(cid)?.reject(new SendError('discarded', 'the send was discarded', cid));
    this.ackWaiters.delete(cid);
    this.emitOutbox();
  }

  pendingSends(): readonly PendingSend[] {
    return this.outbox.list();
  }

  presenceOf(room: string): readonly string[] {
    return this.presence.nicks(room);
  }

  /** The token `sub` of a signed-in member seen in presence, by nick. */
  userOf(nick: string): string | undefined {
    return this.users.get(nick);
  }

  /** Back online, or the tab is shown again: skip the rest of a backoff wait. */
  private readonly onOnline = (): void => {
    if (this.connected || this.stopped || this.transport || globalThis.document?.visibilityState === 'hidden') return;
    clearTimeout(this.reconnectTimer);
    this.picker.resetDelay();
    this.connect();
  };

  private connect(): void {
    const name = this.picker.current;
    const context: TransportContext = {
      rooms: () => this.roomList,
      nick: () => this.nickname,
      position: (room) => this.positions.get(room),
      cursor: (rooms) => this.cursorFor(rooms),
    };
    const transport: Transport = createTransport(name, this.endpoints, this.platform, context, {
      onOpen: (node) => this.transport === transport && this.onOpen(name, node),
      onNode: (node) => this.transport === transport && this.setStatus({ ...this.status, node }),
      onEvent: (event) => this.transport === transport && this.onEvent(event),
      onPresenceSnapshot: (room, nicks) => this.transport === transport && this.onPresenceSnapshot(room, nicks),
      onInterrupted: (reason) => this.transport === transport && this.onInterrupted(reason),
      onClose: (close) => this.transport === transport && this.onClose(close),
    });
    this.transport = transport;
    this.setStatus({ state: this.status.state === 'stopped' ? 'connecting' : 'reconnecting', transport: name });
    transport.start();
  }

  private onOpen(name: TransportName, node: string): void {
    this.picker.opened();
    this.connected = true;
    this.setStatus({ state: 'connected', transport: name, node });
    this.resendDue(0);
    this.watchForUpgrade();
  }

  /**
   * On a fallback (SSE, long-poll) because WebSocket failed once, keep checking whether it works
   * again (a proxy or a node that recovered) and move back up: positions make the switch lossless.
   */
  private watchForUpgrade(): void {
    clearInterval(this.upgradeTimer);
    this.upgradeTimer = undefined;
    const WebSocketClass = this.platform.WebSocket;
    if (this.picker.upgradeTarget !== 'websocket' || !WebSocketClass) return;
    let probing = false;
    this.upgradeTimer = setInterval(() => {
      if (probing || !this.connected) return;
      probing = true;
      void probeWebSocket(WebSocketClass, this.endpoints.wsUrl, PROBE_TIMEOUT_MS).then((works) => {
        probing = false;
        if (works && !this.stopped && this.picker.upgradeTarget === 'websocket') this.upgradeToBest();
      });
    }, this.options.upgradeProbeMs ?? UPGRADE_PROBE_MS);
  }

  private upgradeToBest(): void {
    clearInterval(this.upgradeTimer);
    this.upgradeTimer = undefined;
    const fallback = this.transport;
    this.transport = undefined;
    this.connected = false;
    fallback?.close();
    this.picker.upgrade();
    this.connect();
  }

  private onPresenceSnapshot(room: string, nicks: readonly string[]): void {
    this.presence.reset(room, nicks);
    this.emit('presence', { room, nicks: this.presence.nicks(room) });
  }

  private onInterrupted(reason: string): void {
    this.connected = false;
    this.setStatus({ state: 'reconnecting', transport: this.status.transport, reason });
  }

  private onClose(close: TransportClose): void {
    this.transport = undefined;
    this.connected = false;
    if (this.stopped) return;
    const next = this.picker.afterClose(close);
    this.setStatus({ state: 'reconnecting', transport: next.transport, retryInMs: next.delayMs, reason: close.reason });
    this.reconnectTimer = setTimeout(() => this.connect(), next.delayMs);
  }

  private onEvent(event: ServerEvent): void {
    switch (event.type) {
      case 'joined': {
        if (!this.roomList.includes(event.room)) return;
        const result = this.positions.applyJoined(event);
        this.presence.reset(event.room, event.presence.map((member) => member.nick));
        for (const member of event.presence) if (member.user !== undefined) this.users.set(member.nick, member.user);
        for (const message of result.fresh) emitEntry(this, { ...message, room: event.room });
        this.emit('presence', { room: event.room, nicks: this.presence.nicks(event.room) });
        if (event.occupancy !== undefined) this.emit('occupancy', { room: event.room, count: event.occupancy });
        if (event.read !== undefined && event.unread !== undefined) this.emit('unread', { room: event.room, read: event.read, unread: event.unread });
        if (result.maybeMissing) this.emit('gap', { room: event.room, reason: result.reason ?? 'messages may be missing' });
        return;
      }
      case 'message':
        if (this.roomList.includes(event.room) && this.positions.accept(event)) this.emit('message', event);
        return;
      case 'edit':
      case 'delete': {
        const entry: ChatMessage = { ...event, text: event.type === 'edit' ? event.text : '', kind: event.type };
        if (this.roomList.includes(event.room) && this.positions.accept(entry)) emitEntry(this, entry);
        return;
      }
      case 'typing':
      case 'read':
      case 'occupancy':
        if (this.roomList.includes(event.room)) emitSignal(this, event);
        return;
      case 'presence':
        if (!this.roomList.includes(event.room)) return;
        this.presence.apply(event.room, event.event, event.nick);
        if (event.user !== undefined) this.users.set(event.nick, event.user);
        this.emit('presence', { room: event.room, nicks: this.presence.nicks(event.room) });
        return;
      case 'ack':
        this.onAck(event);
        return;
      case 'error':
        this.onServerError(event);
        return;
      case 'welcome':
        // A token's nick, or the server's guest nick when we asked for none.
        if (this.nickname === '' && event.nick !== '') {
          this.nickname = event.nick;
          this.emit('nick', event.nick);
        }
        return;
      case 'nick':
        if (event.nick !== this.nickname) {
          this.nickname = event.nick;
          this.emit('nick', event.nick);
        }
        return;
      default:
        return;
    }
  }

  private onServerError(event: ErrorEvent): void {
    if (event.code === 'bad_cursor') {
      for (const room of this.roomList) {
        this.positions.forget(room);
        this.emit('gap', { room, reason: 'the server could not resume from our position' });
      }
      return;
    }
    if (event.code === 'draining') return;
    const transient = event.retryAfterMs !== undefined || isRetryable(event.code);
    const retryInMs = event.retryAfterMs ?? TRANSIENT_RETRY_MS;
    if (transient && (event.cid !== undefined || event.for === 'send')) {
      this.holdSendsUntil = Date.now() + retryInMs;
      if (event.cid !== undefined) this.outbox.retryIn(event.cid, retryInMs);
      return;
    }
    if (transient && event.for === 'join' && event.room !== undefined && this.roomList.includes(event.room)) {
      // E.g. the broker was unavailable for a moment: ask again rather than stay out of the room.
      const room = event.room;
      setTimeout(() => this.roomList.includes(room) && this.transport?.join(room), retryInMs);
      return;
    }
    if (event.cid !== undefined) {
      this.outbox.fail(event.cid, event.message);
      this.settleFailed(event.cid, event.code);
      this.emitOutbox();
    }
    this.emit('error', { code: event.code, message: event.message });
  }

  private resendDue(olderThanMs: number): void {
    if (!this.connected || !this.transport || Date.now() < this.holdSendsUntil) return;
    const due = this.outbox.due(olderThanMs);
    for (const item of due) {
      if (this.outbox.attempt(item)) this.transport.send(item);
      else this.settleFailed(item.cid, 'not_acknowledged');
    }
    if (due.length > 0) this.emitOutbox();
  }

  private onAck(event: AckEvent): void {
    if (event.cid === null) return;
    const item = this.outbox.ack(event.cid);
    const waiter = this.ackWaiters.get(event.cid);
    this.ackWaiters.delete(event.cid);
    waiter?.resolve({ room: event.room, epoch: event.epoch, offset: event.offset, ts: event.ts, cid: event.cid, duplicate: event.duplicate });
    if (item) this.emitOutbox();
  }

  /** Rejects the send's promise once the outbox has given up on it. */
  private settleFailed(cid: string, code: string): void {
    const item = this.outbox.get(cid);
    if (item?.state !== 'failed') return;
    this.ackWaiters.get(cid)?.reject(new SendError(code, item.error ?? 'the send failed', cid));
    this.ackWaiters.delete(cid);
  }

  /** A resume cursor for a fresh stream or poll loop over these rooms, from our positions. */
  private cursorFor(rooms: readonly string[]): string | undefined {
    const positions = new Map<string, RoomPosition>();
    for (const room of rooms) {
      const position = this.positions.get(room);
      if (position) positions.set(room, position);
    }
    return positions.size > 0 ? encodeCursor(positions) : undefined;
  }

  private emitOutbox(): void {
    this.emit('outbox', this.outbox.list());
  }

  private setStatus(status: ConnectionStatus): void {
    this.status = status;
    this.emit('status', status);
  }
}
