import { ChatClient, type ChatMessage, type ConnectionStatus, type TransportName } from '@chat/client';
import { Collector, type Ack, MessageLog, type Reconnect } from '@chat/testkit';
import { serverErrorsOf, WireTap, type TappedEvent } from './wire-tap.js';

export interface ChatPeerOptions {
  /** nginx (or a node): `http://127.0.0.1:<port>`. */
  readonly url: string;
  readonly nick: string;
  readonly rooms: readonly string[];
  readonly transport: TransportName;
}

/**
 * A chat user in a test: an ordinary `ChatClient` on one transport (it reconnects, resumes,
 * dedupes and retries sends by itself), with a `WireTap` under it so the test can compare what
 * the server sent (`log`, `closes`, `serverErrors`) with what the user was shown (`shown`).
 */
export class ChatPeer {
  readonly client: ChatClient;
  readonly tap: WireTap;
  /** Messages and `joined` events exactly as the server sent them, backfill included. */
  readonly log = new MessageLog();
  /** What the client showed the user: each message once, in order. */
  readonly shown = new Collector<ChatMessage>();
  readonly statuses = new Collector<ConnectionStatus>();
  readonly tapped = new Collector<TappedEvent>();
  readonly reconnects: Reconnect[] = [];
  readonly nick: string;
  private lost: { at: number; from: string | undefined } | undefined;

  constructor(private readonly options: ChatPeerOptions) {
    this.nick = options.nick;
    this.tap = new WireTap((tapped) => this.onTapped(tapped));
    this.client = new ChatClient({
      url: options.url,
      rooms: options.rooms,
      nick: options.nick,
      transports: [options.transport],
      WebSocket: this.tap.WebSocket,
      EventSource: this.tap.EventSource,
      fetch: this.tap.fetch,
    });
    this.client.on('message', this.shown.push);
    this.client.on('status', (status) => this.onStatus(status));
  }

  /** The node the client is connected to now (undefined while it is not connected). */
  get node(): string | undefined {
    const status = this.client.currentStatus;
    return status.state === 'connected' ? (status.node ?? this.tap.node) : undefined;
  }

  get closes(): ReadonlyArray<{ code: number; node: string | undefined; at: number }> {
    return this.tap.closes;
  }

  /** `error` events the server sent on this peer's stream or socket (e.g. `draining`). */
  get serverErrors(): Array<{ code: string; node: string | undefined }> {
    return serverErrorsOf(this.tapped.items);
  }

  /** Starts the client and resolves once the server sent `joined` for every room. */
  async connect(timeoutMs = 10_000): Promise<void> {
    const from = this.tapped.items.length;
    this.client.start();
    const joinedAll = (items: readonly TappedEvent[]): boolean => {
      const joined = new Set(items.slice(from).flatMap(({ event }) => (event.type === 'joined' ? [event.room] : [])));
      return this.options.rooms.every((room) => joined.has(room));
    };
    await this.tapped.waitFor(joinedAll, { timeoutMs, what: `${this.nick} to join ${this.options.rooms.join(',')} (${this.describe()})` });
  }

  /** Sends through the client (same cid on every retry) and resolves once stored. */
  async send(room: string, text: string): Promise<Ack> {
    const ack = await this.client.send(room, text);
    return { room: ack.room, epoch: ack.epoch, offset: ack.offset, cid: ack.cid, node: this.tap.node ?? '' };
  }

  /** Resolves once the client's status is `connected` on a node other than `node`. */
  async connectedElsewhere(node: string | undefined, timeoutMs = 15_000): Promise<ConnectionStatus> {
    const from = this.statuses.items.length;
    const find = (items: readonly ConnectionStatus[]): ConnectionStatus | undefined =>
      items.slice(from).find((status) => status.state === 'connected' && status.node !== undefined && status.node !== node);
    const current = this.client.currentStatus;
    if (current.state === 'connected' && current.node !== undefined && current.node !== node) return current;
    return find(await this.statuses.waitFor((items) => find(items) !== undefined, { timeoutMs, what: `${this.nick} connected elsewhere than ${node}` }))!;
  }

  describe(): string {
    return JSON.stringify({ status: this.client.currentStatus, closes: this.closes, serverErrors: this.serverErrors, joins: this.log.joins.length });
  }

  close(): void {
    this.client.stop();
  }

  private onTapped(tapped: TappedEvent): void {
    const { event, node } = tapped;
    if (event.type === 'joined') this.log.joined(event, node);
    else if (event.type === 'message') this.log.message(event);
    this.tapped.push(tapped);
  }

  private onStatus(status: ConnectionStatus): void {
    if (status.state === 'connected' && this.lost) {
      this.reconnects.push({ from: this.lost.from, to: status.node, ms: Date.now() - this.lost.at });
      this.lost = undefined;
    } else if (status.state === 'reconnecting' && !this.lost) {
      this.lost = { at: Date.now(), from: this.tap.node };
    }
    this.statuses.push(status);
  }
}
