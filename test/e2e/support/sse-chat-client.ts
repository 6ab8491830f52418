import { EventSource } from 'eventsource';
import { parseServerEvent } from './events.js';
import { MessageLog, type Reconnect } from './message-log.js';

/**
 * An SSE chat client on the `eventsource` package: the package reconnects by itself and sends
 * `Last-Event-ID`; when a stream fails for good (a non-200 answer), this client opens a new one
 * with `?lastEventId=` so it still resumes.
 */
export class SseChatClient {
  readonly log = new MessageLog();
  readonly reconnects: Reconnect[] = [];
  /** Codes of `event: error` frames (e.g. `draining`) and the node that sent them. */
  readonly serverErrors: Array<{ code: string; node: string | undefined }> = [];
  node: string | undefined;
  private source: EventSource | undefined;
  private lastEventId = '';
  private lostAt: number | undefined;
  private lostFrom: string | undefined;
  private pendingJoins = new Set<string>();
  private closed = false;
  private connected: (() => void) | undefined;

  constructor(
    private readonly baseUrl: string,
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

  /** The client's state, for a failure message. */
  describe(): string {
    return JSON.stringify({ node: this.node, pendingJoins: [...this.pendingJoins], serverErrors: this.serverErrors, joins: this.log.joins.length, readyState: this.source?.readyState });
  }

  close(): void {
    this.closed = true;
    this.source?.close();
  }

  private open(): void {
    const query = new URLSearchParams({ rooms: this.rooms.join(','), nick: this.nick });
    if (this.lastEventId) query.set('lastEventId', this.lastEventId);
    const source = new EventSource(`${this.baseUrl}/sse?${query}`);
    this.source = source;
    const track = (event: MessageEvent<string>): void => {
      if (event.lastEventId) this.lastEventId = event.lastEventId;
    };
    source.addEventListener('welcome', (event) => {
      const welcome = parseServerEvent(event.data);
      if (welcome.type === 'welcome') this.node = welcome.node;
      this.pendingJoins = new Set(this.rooms);
    });
    source.addEventListener('joined', (event) => {
      track(event);
      const joined = parseServerEvent(event.data);
      if (joined.type !== 'joined') return;
      this.log.joined(joined, this.node);
      if (!this.pendingJoins.delete(joined.room) || this.pendingJoins.size > 0) return;
      if (this.lostAt !== undefined) {
        this.reconnects.push({ from: this.lostFrom, to: this.node, ms: Date.now() - this.lostAt });
        this.lostAt = undefined;
      }
      this.connected?.();
      this.connected = undefined;
    });
    source.addEventListener('message', (event) => {
      track(event);
      const message = parseServerEvent(event.data);
      if (message.type === 'message') this.log.message(message);
    });
    source.addEventListener('error', (event: Event) => {
      const data = (event as Partial<MessageEvent<unknown>>).data;
      if (typeof data === 'string') {
        // An `event: error` frame from the server, not a connection failure.
        const error = parseServerEvent(data);
        if (error.type === 'error') this.serverErrors.push({ code: error.code, node: this.node });
        return;
      }
      if (this.closed) return;
      if (this.lostAt === undefined) {
        this.lostAt = Date.now();
        this.lostFrom = this.node;
      }
      if (source.readyState === EventSource.CLOSED && this.source === source) setTimeout(() => this.open(), 200);
    });
  }
}
