import type { Endpoints } from './endpoints.js';
import type { Platform } from './platform.js';
import { PollTransport } from './poll-transport.js';
import { SseTransport } from './sse-transport.js';
import type { Transport, TransportContext, TransportHandlers, TransportName } from './transport.js';
import { WebSocketTransport } from './ws-transport.js';

/** The transports this platform has, best first: WebSocket, else SSE + POST, else long-poll + POST. */
export function availableTransports(platform: Platform): TransportName[] {
  const names: TransportName[] = [];
  if (platform.WebSocket) names.push('websocket');
  if (platform.EventSource) names.push('sse');
  names.push('long-poll');
  return names;
}

export function createTransport(name: TransportName, endpoints: Endpoints, platform: Platform, context: TransportContext, handlers: TransportHandlers): Transport {
  switch (name) {
    case 'websocket':
      if (!platform.WebSocket) throw new Error("transport 'websocket' needs a WebSocket class (pass `WebSocket` from 'ws' in Node)");
      return new WebSocketTransport(platform.WebSocket, endpoints.wsUrl, context, handlers);
    case 'sse':
      if (!platform.EventSource) throw new Error("transport 'sse' needs an EventSource class (pass `EventSource` from 'eventsource' in Node)");
      return new SseTransport(platform.EventSource, platform.fetch, endpoints, context, handlers);
    case 'long-poll':
      return new PollTransport(platform.fetch, endpoints, context, handlers);
  }
}
