import { PUSHLET_CALLBACK, isRecord, parseServerEvent, type ServerEvent } from '@chat/protocol';
import type { Endpoints } from './endpoints.js';
import { postMessage } from './http-send.js';
import type { PendingSend } from './outbox.js';
import type { Platform } from './platform.js';
import { streamUrl } from './stream-url.js';
import { OPEN_TIMEOUT_MS, type Transport, type TransportContext, type TransportHandlers } from './transport.js';

const SILENCE_LIMIT_MS = 45_000;

type PushCallback = (value: unknown) => void;

/**
 * The pushlet (forever frame): a hidden iframe loads `GET /pushlet`, a page that never ends and
 * calls `parent.chatPush(<event>)` once per event; sends by POST. For browsers where neither
 * WebSocket, EventSource nor a streaming fetch/XHR gets through. One pushlet client per page.
 */
export class PushletTransport implements Transport {
  readonly name = 'pushlet';
  private frame: HTMLIFrameElement | undefined;
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
    if (this.frame) this.reopen();
  }

  leave(): void {
    if (this.frame) this.reopen();
  }

  setNick(): void {
    if (this.frame) this.reopen();
  }

  send(item: PendingSend): void {
    void postMessage(this.platform.fetch, this.endpoints, item, this.context.nick(), (event) => {
      if (!this.closed) this.handlers.onEvent(event);
    });
  }

  close(): void {
    this.closed = true;
    this.stopTimers();
    this.removeFrame();
  }

  private open(): void {
    const document = globalThis.document;
    const frame = document.createElement('iframe');
    frame.hidden = true;
    frame.title = 'chat stream';
    frame.setAttribute('aria-hidden', 'true');
    const callback: PushCallback = (value) => {
      if (frame === this.frame) this.onPush(value);
    };
    (globalThis as unknown as Record<string, PushCallback>)[PUSHLET_CALLBACK] = callback;
    // The page ends only when the server ends it or the connection drops.
    frame.addEventListener('load', () => {
      if (frame === this.frame) this.finish('stream ended');
    });
    frame.src = streamUrl(this.endpoints, '/pushlet', this.context, 'cursor', true);
    this.frame = frame;
    // A frame that never finishes loading would hold the page's own load event forever: wait for it.
    if (document.readyState === 'complete') document.body.append(frame);
    else globalThis.addEventListener('load', () => frame === this.frame && document.body.append(frame), { once: true });
    clearTimeout(this.openTimer);
    this.openTimer = setTimeout(() => this.finish('no welcome in time'), OPEN_TIMEOUT_MS);
    this.heard();
  }

  private reopen(): void {
    this.removeFrame();
    this.open();
  }

  private removeFrame(): void {
    this.frame?.remove();
    this.frame = undefined;
  }

  private onPush(value: unknown): void {
    if (this.closed) return;
    this.heard();
    if (isRecord(value) && value.type === 'heartbeat') return;
    const event = parseServerEvent(value);
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
    this.removeFrame();
    this.handlers.onClose({ opened: this.opened, reason, reconnect: this.drained ? 'now' : 'backoff' });
  }
}
