import type { ServerEvent } from '@chat/protocol';
import type { Endpoints } from './endpoints.js';
import { postMessage } from './http-send.js';
import type { PendingSend } from './outbox.js';
import type { Platform } from './platform.js';
import { LEGACY_SILENCE_LIMIT_MS, SilenceWatch, silenceLimitMs } from './silence-watch.js';
import { OPEN_TIMEOUT_MS, type Transport, type TransportContext, type TransportHandlers, type TransportName } from './transport.js';

/**
 * What the long-response transports share (XHR streaming, the pushlet): one stream per room set
 * and nick, opened again to resume from the client's positions when either changes; sends by
 * POST; ready on `welcome`; dead when silent past the heartbeat `welcome` announced; `draining`
 * means come back at once.
 */
export abstract class StreamTransport implements Transport {
  abstract readonly name: TransportName;
  protected closed = false;
  private opened = false;
  private drained = false;
  private openTimer: ReturnType<typeof setTimeout> | undefined;
  /** What the stream is held to: the announced heartbeat's limit once a welcome told it. */
  private silenceLimit = LEGACY_SILENCE_LIMIT_MS;
  private readonly silence = new SilenceWatch((silentMs) => this.finish(`the stream went silent (nothing for ${(silentMs / 1000).toFixed(1)} s)`));

  constructor(
    protected readonly platform: Platform,
    protected readonly endpoints: Endpoints,
    protected readonly context: TransportContext,
    private readonly handlers: TransportHandlers,
  ) {}

  /** Opens the stream for the context's rooms, nick and positions. */
  protected abstract openStream(): void;
  /** Closes the current stream, if any; returns whether there was one. */
  protected abstract closeStream(): boolean;

  start(): void {
    this.open();
  }

  join(): void {
    this.reopen();
  }

  leave(): void {
    this.reopen();
  }

  setNick(): void {
    this.reopen();
  }

  send(item: PendingSend): void {
    void postMessage(this.platform.fetch, this.endpoints, item, this.context.nick(), (event) => {
      if (!this.closed) this.handlers.onEvent(event);
    });
  }

  close(): void {
    this.closed = true;
    this.stopTimers();
    this.closeStream();
  }

  /** Every chunk of the stream: it is alive. */
  protected heard(): void {
    this.silence.heard();
  }

  protected onEvent(event: ServerEvent): void {
    if (event.type === 'welcome') {
      clearTimeout(this.openTimer);
      this.openTimer = undefined;
      this.opened = true;
      if (event.heartbeatMs !== undefined) {
        this.silenceLimit = silenceLimitMs(event.heartbeatMs);
        this.silence.watch(this.silenceLimit);
      }
      this.handlers.onOpen(event.node);
    } else if (event.type === 'error' && event.code === 'draining') {
      this.drained = true;
    }
    this.handlers.onEvent(event);
  }

  protected finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    this.stopTimers();
    this.closeStream();
    this.handlers.onClose({ opened: this.opened, reason, reconnect: this.drained ? 'now' : 'backoff' });
  }

  private open(): void {
    this.openStream();
    // A proxy that buffers the stream delivers nothing: no welcome in time means this transport is unusable here.
    clearTimeout(this.openTimer);
    this.openTimer = setTimeout(() => this.finish('no welcome in time'), OPEN_TIMEOUT_MS);
    this.silence.watch(this.silenceLimit);
  }

  /** The stream's URL names the rooms and the nick, so a change needs a new stream (resuming). */
  private reopen(): void {
    if (this.closeStream()) this.open();
  }

  private stopTimers(): void {
    clearTimeout(this.openTimer);
    this.silence.stop();
  }
}
