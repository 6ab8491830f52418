import type { ChatClientEvents } from './client-events.js';
import { Connection } from './connection.js';
import { Emitter } from './emitter.js';
import { endpointsOf, type Endpoints } from './endpoints.js';
import { EventRouter } from './event-router.js';
import { TokenKeeper } from './token-keeper.js';
import type { PendingSend } from './outbox.js';
import { resolvePlatform, type EventSourceConstructor, type FetchFunction, type WebSocketConstructor } from './platform.js';
import { RoomFeatures } from './room-features.js';
import { SendQueue, type SendAck } from './send-queue.js';
import { availableTransports } from './transport-factory.js';
import { TransportPicker } from './transport-picker.js';
import type { TransportName } from './transport.js';

export type { ChatClientEvents, ConnectionStatus } from './client-events.js';
export { SendError, type SendAck } from './send-queue.js';

export interface ChatClientOptions {
  /** The server or load balancer, e.g. `http://localhost:8080`. */
  readonly url: string;
  readonly rooms: readonly string[];
  /** The nick to use; a guest nick from the server when absent (a token's nick always wins). */
  readonly nick?: string;
  /** A JWT when the server requires one. */
  readonly token?: string;
  /**
   * Called when the server refuses the token (missing, expired, wrongly signed) or ended a
   * connection at its `exp` (`token_expired`): resolve a new token to connect with it, or reject to
   * give up. Asked once per refusal; without it, or when the new token is refused too, the status
   * becomes `unauthorized` and the client stops trying. Also asked shortly before the token's
   * `exp`, so that a WebSocket is refreshed in place (a `refresh` frame) and never ends.
   */
  readonly getToken?: () => string | Promise<string>;
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

const UPGRADE_PROBE_MS = 60_000;

/**
 * A chat connection that picks a transport, reconnects, resumes, dedupes and retries sends:
 * the rooms and nick of the user, over a Connection (lifecycle), an EventRouter (what arrives)
 * and a SendQueue (the outbox and its retries).
 */
export class ChatClient extends Emitter<ChatClientEvents> {
  /** Typing, read positions, edit and delete, older history: HTTP calls on every transport. */
  readonly features: RoomFeatures;
  private readonly roomList: string[];
  private nickname: string;
  private readonly sends: SendQueue;
  private readonly router: EventRouter;
  private readonly connection: Connection;
  private endpoints: Endpoints;
  private readonly tokens: TokenKeeper;

  constructor(options: ChatClientOptions) {
    super();
    const getToken = options.getToken;
    this.endpoints = endpointsOf(options.url, options.token);
    const platform = resolvePlatform(options);
    const picker = new TransportPicker(options.transports ?? availableTransports(platform));
    this.roomList = [...new Set(options.rooms)];
    this.nickname = options.nick ?? '';
    this.features = new RoomFeatures(() => this.endpoints, platform.fetch, () => this.nickname);
    this.tokens = new TokenKeeper(() => this.endpoints.token, getToken, (token) => {
      this.endpoints = endpointsOf(options.url, token);
      this.connection.refreshToken(token);
    });
    this.sends = new SendQueue(this, {
      ready: () => this.connection.isConnected,
      write: (item) => this.connection.send(item),
      stored: (room, offset, key) => this.features.rememberKey(room, offset, key),
    });
    this.router = new EventRouter(this, this.sends, {
      rooms: () => this.roomList,
      nick: () => this.nickname,
      adoptNick: (nick) => this.adoptNick(nick),
      rejoin: (room) => this.connection.join(room),
    });
    this.connection = new Connection(
      {
        endpoints: () => this.endpoints,
        platform,
        picker,
        upgradeProbeMs: options.upgradeProbeMs ?? UPGRADE_PROBE_MS,
        ...(getToken ? { renewToken: () => this.renewToken(options.url, getToken) } : {}),
        tokenFresh: () => this.tokens.isFresh(),
      },
      {
        rooms: () => this.roomList,
        nick: () => this.nickname,
        position: (room) => this.router.position(room),
        cursor: (rooms) => this.router.cursorFor(rooms),
      },
      {
        onReady: () => this.sends.resendDue(0),
        onEvent: (event) => this.router.route(event),
        onPresenceSnapshot: (room, nicks) => this.router.presenceSnapshot(room, nicks),
      },
      this,
    );
  }

  get rooms(): readonly string[] {
    return this.roomList;
  }

  get nick(): string {
    return this.nickname;
  }

  get currentStatus(): ChatClientEvents['status'] {
    return this.connection.currentStatus;
  }

  start(): void {
    this.sends.start();
    this.tokens.start();
    this.connection.start();
  }

  stop(): void {
    this.sends.stop();
    this.tokens.stop();
    this.connection.stop();
  }

  join(room: string): void {
    if (this.roomList.includes(room)) return;
    this.roomList.push(room);
    this.connection.join(room);
  }

  leave(room: string): void {
    const index = this.roomList.indexOf(room);
    if (index < 0) return;
    this.roomList.splice(index, 1);
    this.router.forget(room);
    this.connection.leave(room);
  }

  setNick(nick: string): void {
    if (nick === this.nickname) return;
    this.adoptNick(nick);
    this.connection.setNick(nick);
  }

  /**
   * Sends a message: now if connected, else once connected, retried with the same cid until the
   * server stores it. Resolves once stored; rejects with SendError if the server refuses it for good.
   */
  send(room: string, text: string): Promise<SendAck> {
    return this.sends.send(room, text);
  }

  /** Forgets a failed send the user dismissed. */
  discard(cid: string): void {
    this.sends.discard(cid);
  }

  pendingSends(): readonly PendingSend[] {
    return this.sends.list();
  }

  presenceOf(room: string): readonly string[] {
    return this.router.presenceOf(room);
  }

  /** The token `sub` of a signed-in member seen in presence, by nick. */
  userOf(nick: string): string | undefined {
    return this.router.userOf(nick);
  }

  /** Asks the application for a new token; true when it gave one (a different one). */
  private async renewToken(url: string, getToken: () => string | Promise<string>): Promise<boolean> {
    const token = await getToken();
    if (typeof token !== 'string' || token === '' || token === this.endpoints.token) return false;
    this.endpoints = endpointsOf(url, token);
    return true;
  }

  private adoptNick(nick: string): void {
    this.nickname = nick;
    this.emit('nick', nick);
  }
}
