/**
 * The platform parts the client uses, as small structural types: the browser's own classes fit
 * them, and so do `ws` and `eventsource` in Node (passed in as options).
 */

// Handlers are checked bivariantly (as methods are), so a class whose event type carries more
// members than ours (DOM MessageEvent, ws's MessageEvent) still fits.
type Handler<E> = { bivarianceHack(event: E): void }['bivarianceHack'];

export interface WebSocketLike {
  readonly readyState: number;
  onmessage: Handler<{ readonly data: unknown }> | null;
  onclose: Handler<{ readonly code: number; readonly reason: string }> | null;
  onerror: Handler<unknown> | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

export type WebSocketConstructor = new (url: string) => WebSocketLike;

export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: Handler<unknown>): void;
  close(): void;
}

export type EventSourceConstructor = new (url: string) => EventSourceLike;

export type FetchFunction = (input: string, init?: RequestInit) => Promise<Response>;

/** `WebSocket.OPEN` and `EventSource.CLOSED`, the same in every implementation. */
export const WEBSOCKET_OPEN = 1;
export const EVENTSOURCE_CLOSED = 2;

/** What the client talks through; every field defaults to the global of the same name. */
export interface Platform {
  readonly WebSocket: WebSocketConstructor | undefined;
  readonly EventSource: EventSourceConstructor | undefined;
  readonly fetch: FetchFunction;
  /** fetch responses can be read as they arrive (ReadableStream). */
  readonly fetchStreams: boolean;
  /** For streaming where fetch cannot (progress events). */
  readonly XMLHttpRequest: (new () => XMLHttpRequest) | undefined;
  /** A page that can hold a hidden iframe: the pushlet's forever frame. */
  readonly frames: boolean;
}

interface PlatformOptions {
  readonly WebSocket?: WebSocketConstructor;
  readonly EventSource?: EventSourceConstructor;
  readonly fetch?: FetchFunction;
}

/** The given parts, else the globals of this browser or Node. */
export function resolvePlatform(options: PlatformOptions, scope: object = globalThis): Platform {
  const globals = scope as { WebSocket?: unknown; EventSource?: unknown; fetch?: unknown; ReadableStream?: unknown; XMLHttpRequest?: unknown; HTMLIFrameElement?: unknown; document?: unknown };
  const fetchFunction = options.fetch ?? (typeof globals.fetch === 'function' ? (globals.fetch as FetchFunction).bind(scope) : undefined);
  if (!fetchFunction) throw new Error('ChatClient needs fetch (Node ≥ 18 or a browser), or a `fetch` option');
  return {
    WebSocket: options.WebSocket ?? (typeof globals.WebSocket === 'function' ? (globals.WebSocket as WebSocketConstructor) : undefined),
    EventSource: options.EventSource ?? (typeof globals.EventSource === 'function' ? (globals.EventSource as EventSourceConstructor) : undefined),
    fetch: fetchFunction,
    fetchStreams: typeof globals.ReadableStream === 'function',
    XMLHttpRequest: typeof globals.XMLHttpRequest === 'function' ? (globals.XMLHttpRequest as new () => XMLHttpRequest) : undefined,
    frames: typeof globals.HTMLIFrameElement === 'function' && typeof globals.document === 'object' && globals.document !== null,
  };
}
