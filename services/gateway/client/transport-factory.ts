import { PollTransport } from './poll-transport.js';
import { SseTransport } from './sse-transport.js';
import type { Transport, TransportContext, TransportHandlers, TransportName } from './transport.js';
import { WebSocketTransport } from './ws-transport.js';

export interface Endpoints {
  /** Absolute `ws://…/ws` or `wss://…/ws` URL. */
  readonly wsUrl: string;
  /** Base of HTTP paths: '' for the page's own origin. */
  readonly httpBase: string;
}

/** The transports this browser has, best first: WebSocket, else SSE + POST, else long-poll + POST. */
export function availableTransports(scope: object = globalThis): TransportName[] {
  const names: TransportName[] = [];
  if (typeof (scope as { WebSocket?: unknown }).WebSocket === 'function') names.push('websocket');
  if (typeof (scope as { EventSource?: unknown }).EventSource === 'function') names.push('sse');
  names.push('long-poll');
  return names;
}

export function createTransport(name: TransportName, endpoints: Endpoints, context: TransportContext, handlers: TransportHandlers): Transport {
  switch (name) {
    case 'websocket':
      return new WebSocketTransport(endpoints.wsUrl, context, handlers);
    case 'sse':
      return new SseTransport(endpoints.httpBase, context, handlers);
    case 'long-poll':
      return new PollTransport(endpoints.httpBase, context, handlers);
  }
}
