import { parseJson, parseServerEvent, type ServerEvent } from '@chat/protocol';
import type { EventSourceConstructor, FetchFunction, WebSocketConstructor } from '@chat/client';
import { EventSource } from 'eventsource';
import WebSocket from 'ws';
import { textOf } from '@chat/testkit';

/** A server event as it came off the wire, with the node that sent it. */
export interface TappedEvent {
  readonly event: ServerEvent;
  readonly node: string | undefined;
}

export interface TappedClose {
  readonly code: number;
  readonly node: string | undefined;
  readonly at: number;
}

/** The SSE event names the gateway sends (the SSE `event:` field). */
const SSE_EVENTS = ['welcome', 'joined', 'message', 'presence', 'error'] as const;

/**
 * The platform parts a ChatClient is given (WebSocket, EventSource, fetch), wrapped so a test sees
 * exactly what the server sent, validated by @chat/protocol, before the client acts on it: the
 * client acts as an ordinary client, the test observes the server's output.
 */
export class WireTap {
  readonly closes: TappedClose[] = [];
  /** The node of the latest `welcome` (WebSocket, SSE) or poll answer (`X-Node-Id`). */
  node: string | undefined;
  readonly WebSocket: WebSocketConstructor;
  readonly EventSource: EventSourceConstructor;
  readonly fetch: FetchFunction;

  constructor(private readonly onEvent: (tapped: TappedEvent) => void) {
    const tap = (event: ServerEvent | undefined, node?: string): void => {
      if (event?.type === 'welcome') this.node = event.node;
      if (node !== undefined) this.node = node;
      if (event) this.onEvent({ event, node: this.node });
    };
    const closes = this.closes;
    const nodeNow = (): string | undefined => this.node;

    this.WebSocket = class TappedWebSocket extends WebSocket {
      constructor(url: string) {
        super(url);
        // Registered before the client's own handlers, so the test sees each frame first.
        this.on('message', (data, isBinary) => {
          if (!isBinary) tap(parseServerEvent(parseJson(textOf(data))));
        });
        this.on('close', (code) => closes.push({ code, node: nodeNow(), at: Date.now() }));
      }
    };

    this.EventSource = class TappedEventSource extends EventSource {
      constructor(url: string) {
        super(url);
        for (const name of SSE_EVENTS) {
          this.addEventListener(name, (event: Event) => {
            // The connection's own `error` carries no data; the server's `event: error` does.
            const data = (event as Partial<MessageEvent<unknown>>).data;
            if (typeof data === 'string') tap(parseServerEvent(parseJson(data), name));
          });
        }
      }
    };

    this.fetch = async (input, init) => {
      const response = await fetch(input, init);
      if (new URL(input).pathname === '/poll' && response.ok) {
        const body: unknown = await response.clone().json();
        const events = typeof body === 'object' && body !== null && 'events' in body && Array.isArray(body.events) ? (body.events as unknown[]) : [];
        const node = response.headers.get('x-node-id') ?? undefined;
        if (events.length === 0 && node !== undefined) this.node = node;
        for (const item of events) tap(parseServerEvent(item), node);
      }
      return response;
    };
  }
}

/** The `error` events of the tapped stream: codes the server reported, with the node that sent them. */
export function serverErrorsOf(events: readonly TappedEvent[]): Array<{ code: string; node: string | undefined }> {
  return events.flatMap(({ event, node }) => (event.type === 'error' ? [{ code: event.code, node }] : []));
}
