import { isRecord, isString, parseServerEvent } from '@chat/protocol';
import { requestHeaders, type Endpoints } from './endpoints.js';
import { postMessage } from './http-send.js';
import type { PendingSend } from './outbox.js';
import type { FetchFunction } from './platform.js';
import { fetchPresence } from './presence-fetch.js';
import type { Transport, TransportContext, TransportHandlers } from './transport.js';

const POLL_TIMEOUT_S = 25;
/** How long past the server's own timeout a poll may take before the client gives up on it. */
const POLL_GRACE_MS = 10_000;
/** Polls carry no presence events; the list is refreshed this often instead. */
const PRESENCE_EVERY_MS = 10_000;

/**
 * Long-poll `GET /poll` in a loop; sends by `POST /rooms/:room/messages`. Stateless on the server:
 * each request carries the cursor, so any node may answer any poll. The first request of an
 * instance asks with `timeout=0` so the client knows at once whether the transport works.
 */
export class PollTransport implements Transport {
  readonly name = 'long-poll';
  private cursor: string | undefined;
  private cursorRooms = '';
  private controller: AbortController | undefined;
  private opened = false;
  private closed = false;
  private presenceTimer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly fetch: FetchFunction,
    private readonly endpoints: Endpoints,
    private readonly context: TransportContext,
    private readonly handlers: TransportHandlers,
  ) {}

  start(): void {
    void this.loop();
  }

  private startPresence(): void {
    const refresh = (): void => {
      for (const room of this.context.rooms()) {
        void fetchPresence(this.fetch, this.endpoints, room).then((nicks) => {
          if (nicks && !this.closed && this.context.rooms().includes(room)) this.handlers.onPresenceSnapshot(room, nicks);
        });
      }
    };
    refresh();
    this.presenceTimer = setInterval(refresh, PRESENCE_EVERY_MS);
  }

  /** A changed room set or nick: abort the waiting poll; the loop asks again with the new rooms. */
  join(): void {
    this.controller?.abort();
  }

  leave(): void {
    this.controller?.abort();
  }

  setNick(): void {
    this.controller?.abort();
  }

  send(item: PendingSend): void {
    void postMessage(this.fetch, this.endpoints, item, this.context.nick(), (event) => {
      if (!this.closed) this.handlers.onEvent(event);
    });
  }

  close(): void {
    this.closed = true;
    clearInterval(this.presenceTimer);
    this.controller?.abort();
  }

  private async loop(): Promise<void> {
    while (!this.closed) {
      const rooms = this.context.rooms();
      const roomKey = rooms.join(',');
      if (roomKey !== this.cursorRooms) {
        // The server's cursor covers the rooms it was issued for; for a new set, start from our positions.
        this.cursor = this.context.cursor(rooms);
        this.cursorRooms = roomKey;
      }
      const outcome = await this.pollOnce(rooms, this.opened ? POLL_TIMEOUT_S : 0);
      if (outcome === 'aborted') continue;
      if (outcome !== 'ok') {
        this.finish(outcome.failed);
        return;
      }
    }
  }

  private async pollOnce(rooms: readonly string[], timeoutS: number): Promise<'ok' | 'aborted' | { readonly failed: string }> {
    const params = new URLSearchParams({ rooms: rooms.join(','), nick: this.context.nick(), timeout: String(timeoutS) });
    if (this.cursor) params.set('cursor', this.cursor);
    const controller = new AbortController();
    this.controller = controller;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      controller.abort();
    }, timeoutS * 1000 + POLL_GRACE_MS);
    try {
      const response = await this.fetch(`${this.endpoints.httpBase}/poll?${params.toString()}`, {
        signal: controller.signal,
        cache: 'no-store',
        headers: requestHeaders(this.endpoints, false),
      });
      const body: unknown = await response.json().catch(() => undefined);
      if (this.closed) return 'aborted';
      if (response.status === 400 && isRecord(body) && isRecord(body.error) && body.error.code === 'bad_cursor') {
        // The server could not resume us: start fresh, and let the client say messages may be missing.
        this.cursor = undefined;
        this.handlers.onEvent({ type: 'error', code: 'bad_cursor', message: 'the server could not resume from our position' });
        return 'ok';
      }
      if (!response.ok || !isRecord(body) || !isString(body.cursor) || !Array.isArray(body.events)) {
        return { failed: `poll answered ${response.status}` };
      }
      const node = response.headers.get('X-Node-Id') ?? 'unknown';
      if (!this.opened) {
        this.opened = true;
        this.handlers.onOpen(node);
        this.startPresence();
      } else {
        this.handlers.onNode(node);
      }
      this.cursor = body.cursor;
      for (const item of body.events) {
        const event = parseServerEvent(item);
        if (event) this.handlers.onEvent(event);
      }
      return 'ok';
    } catch (error) {
      if (controller.signal.aborted && !timedOut) return 'aborted';
      return { failed: timedOut ? 'poll timed out' : `poll failed: ${String(error)}` };
    } finally {
      clearTimeout(timer);
      if (this.controller === controller) this.controller = undefined;
    }
  }

  private finish(reason: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.presenceTimer);
    this.handlers.onClose({ opened: this.opened, reason, reconnect: 'backoff' });
  }
}
