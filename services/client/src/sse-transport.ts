import { HEARTBEAT_TYPE, parseJson, parseServerEvent } from '@chat/protocol';
import type { Endpoints } from './endpoints.js';
import { postMessage } from './http-send.js';
import type { PendingSend } from './outbox.js';
import { EVENTSOURCE_CLOSED, type EventSourceConstructor, type EventSourceLike, type FetchFunction } from './platform.js';
import { SilenceWatch, silenceLimitMs } from './silence-watch.js';
import { streamUrl } from './stream-url.js';
import { OPEN_TIMEOUT_MS, type Transport, type TransportContext, type TransportHandlers } from './transport.js';

const EVENT_NAMES = ['welcome', 'joined', 'message', 'edit', 'delete', 'presence', 'typing', 'read', 'occupancy', 'error', HEARTBEAT_TYPE] as const;

/**
 * Server-Sent Events from `/sse` for receiving, `POST /rooms/:room/messages` for sending.
 * EventSource resumes by itself with `Last-Event-ID` after a dropped stream; joining a room or
 * changing the nick opens a new stream that resumes from the client's positions via `?lastEventId=`.
 * EventSource never notices a silent link by itself: the stream is held to the heartbeat the node
 * announced in `welcome` (a named `heartbeat` event, as EventSource hides comments).
 */
export class SseTransport implements Transport {
  readonly name = 'sse';
  private source: EventSourceLike | undefined;
  private opened = false;
  private closed = false;
  private openTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly silence = new SilenceWatch((silentMs) => this.finish(`the stream went silent (nothing for ${(silentMs / 1000).toFixed(1)} s)`));

  constructor(
    private readonly EventSourceClass: EventSourceConstructor,
    private readonly fetch: FetchFunction,
    private readonly endpoints: Endpoints,
    private readonly context: TransportContext,
    private readonly handlers: TransportHandlers,
  ) {}

  start(): void {
    this.open();
  }

  join(): void {
    if (this.source) this.reopen();
  }

  leave(): void {
    if (this.source) this.reopen();
  }

  setNick(): void {
    if (this.source) this.reopen();
  }

  send(item: PendingSend): void {
    void postMessage(this.fetch, this.endpoints, item, this.context.nick(), (event) => {
      if (!this.closed) this.handlers.onEvent(event);
    });
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.openTimer);
    this.silence.stop();
    this.source?.close();
  }

  private url(): string {
    return streamUrl(this.endpoints, '/sse', this.context, 'lastEventId', true);
  }

  private open(): void {
    let source: EventSourceLike;
    try {
      source = new this.EventSourceClass(this.url());
    } catch (error) {
      queueMicrotask(() => this.finish(`EventSource refused: ${String(error)}`));
      return;
    }
    this.source = source;
    // A proxy that buffers the stream delivers nothing: no welcome in time means SSE is unusable here.
    clearTimeout(this.openTimer);
    this.openTimer = setTimeout(() => this.finish('no welcome in time'), OPEN_TIMEOUT_MS);
    for (const name of EVENT_NAMES) {
      source.addEventListener(name, (event) => this.onEvent(source, name, event));
    }
  }

  /** The stream's URL names the rooms and the nick, so a change needs a new stream (resuming). */
  private reopen(): void {
    this.source?.close();
    this.open();
  }

  private onEvent(source: EventSourceLike, name: (typeof EVENT_NAMES)[number], event: unknown): void {
    if (this.closed || source !== this.source) return;
    // `event: error` from the server and the EventSource's own connection error share one name;
    // only the server's carries data.
    const data = typeof event === 'object' && event !== null ? (event as { data?: unknown }).data : undefined;
    if (typeof data !== 'string') {
      if (name === 'error') this.onConnectionError(source);
      return;
    }
    this.silence.heard();
    if (name === HEARTBEAT_TYPE) return;
    const parsed = parseServerEvent(parseJson(data), name);
    if (!parsed) return;
    if (parsed.type === 'welcome') {
      clearTimeout(this.openTimer);
      this.openTimer = undefined;
      // Also after the stream's own reconnect: it may now come from another node.
      this.opened = true;
      if (parsed.heartbeatMs !== undefined) this.silence.watch(silenceLimitMs(parsed.heartbeatMs));
      this.handlers.onOpen(parsed.node);
    }
    this.handlers.onEvent(parsed);
    // The stream ended at its token's exp: reopening it with the same URL would only be refused.
    if (parsed.type === 'error' && parsed.code === 'token_expired') this.finish('token expired');
  }

  private onConnectionError(source: EventSourceLike): void {
    if (source.readyState === EVENTSOURCE_CLOSED) {
      // A non-200 answer or a wrong content type: EventSource gives up, so do we.
      this.finish('the stream was refused');
    } else if (this.opened) {
      // EventSource reconnects by itself with Last-Event-ID; wait for its new welcome.
      this.silence.stop();
      this.handlers.onInterrupted('stream interrupted, reconnecting');
      clearTimeout(this.openTimer);
      this.openTimer = setTimeout(() => this.finish('the stream did not come back'), OPEN_TIMEOUT_MS * 3);
    }
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.openTimer);
    this.silence.stop();
    this.source?.close();
    this.handlers.onClose({ opened: this.opened, reason, reconnect: 'backoff' });
  }
}
