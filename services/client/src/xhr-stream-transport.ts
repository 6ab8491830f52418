import { STREAM_HEARTBEAT, parseJson, parseServerEvent, type ServerEvent } from '@chat/protocol';
import { requestHeaders, type Endpoints } from './endpoints.js';
import { postMessage } from './http-send.js';
import { fetchLineStream, xhrLineStream, type LineStream } from './line-stream.js';
import type { PendingSend } from './outbox.js';
import type { Platform } from './platform.js';
import { streamUrl } from './stream-url.js';
import { OPEN_TIMEOUT_MS, type Transport, type TransportContext, type TransportHandlers } from './transport.js';

/** The server sends a heartbeat at least every SSE_HEARTBEAT_MS (15 s by default). */
const SILENCE_LIMIT_MS = 45_000;

/**
 * `GET /xhr-stream` read as it arrives (fetch + ReadableStream, else XMLHttpRequest progress),
 * one JSON event per line; sends by POST. Joining, leaving or renaming opens a new stream that
 * resumes from the client's positions.
 */
export class XhrStreamTransport implements Transport {
  readonly name = 'xhr-stream';
  private stream: LineStream | undefined;
  private opened = false;
  private closed = false;
  private drained = false;
  private openTimer: ReturnType<typeof setTimeout> | undefined;
  private silenceTimer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly platform: Platform,
    private readonly endpoints: Endpoints,
    private readonly context: TransportContext,
    private readonly handlers: TransportHandlers,
  ) {}

  start(): void {
    this.open();
  }

  join(): void {
    if (this.stream) this.reopen();
  }

  leave(): void {
    if (this.stream) this.reopen();
  }

  setNick(): void {
    if (this.stream) this.reopen();
  }

  send(item: PendingSend): void {
    void postMessage(this.platform.fetch, this.endpoints, item, this.context.nick(), (event) => {
      if (!this.closed) this.handlers.onEvent(event);
    });
  }

  close(): void {
    this.closed = true;
    this.stopTimers();
    this.stream?.close();
  }

  private open(): void {
    const url = streamUrl(this.endpoints, '/xhr-stream', this.context, 'cursor', false);
    const headers = requestHeaders(this.endpoints, false);
    const handlers = {
      onResponse: () => undefined,
      onLine: (line: string) => {
        if (stream === this.stream) this.onLine(line);
      },
      onEnd: (reason: string) => {
        if (stream === this.stream) this.finish(reason);
      },
    };
    const XhrClass = this.platform.XMLHttpRequest;
    const stream: LineStream = this.platform.fetchStreams || !XhrClass ? fetchLineStream(this.platform.fetch, url, headers, handlers) : xhrLineStream(XhrClass, url, headers, handlers);
    this.stream = stream;
    // A proxy that buffers the stream delivers nothing: no welcome in time means this transport is unusable here.
    clearTimeout(this.openTimer);
    this.openTimer = setTimeout(() => this.finish('no welcome in time'), OPEN_TIMEOUT_MS);
    this.heard();
  }

  private reopen(): void {
    this.stream?.close();
    this.open();
  }

  private onLine(line: string): void {
    if (this.closed) return;
    this.heard();
    if (line.trim() === '' || line === STREAM_HEARTBEAT) return;
    const event = parseServerEvent(parseJson(line));
    if (event) this.onEvent(event);
  }

  private onEvent(event: ServerEvent): void {
    if (event.type === 'welcome') {
      clearTimeout(this.openTimer);
      this.openTimer = undefined;
      this.opened = true;
      this.handlers.onOpen(event.node);
    } else if (event.type === 'error' && event.code === 'draining') {
      this.drained = true;
    }
    this.handlers.onEvent(event);
  }

  /** A stream that stays silent past its heartbeats is dead (a half-open connection). */
  private heard(): void {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => this.finish('the stream went silent'), SILENCE_LIMIT_MS);
  }

  private stopTimers(): void {
    clearTimeout(this.openTimer);
    clearTimeout(this.silenceTimer);
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimers();
    this.stream?.close();
    this.handlers.onClose({ opened: this.opened, reason, reconnect: this.drained ? 'now' : 'backoff' });
  }
}
