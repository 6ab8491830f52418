import type { Endpoints } from './endpoints.js';
import type { Platform } from './platform.js';
import { PollTransport } from './poll-transport.js';
import { PushletTransport } from './pushlet-transport.js';
import { SseTransport } from './sse-transport.js';
import type { Transport, TransportContext, TransportHandlers, TransportName } from './transport.js';
import { WebSocketTransport } from './ws-transport.js';
import { XhrStreamTransport } from './xhr-stream-transport.js';

/**
 * The transports this platform has, best first: WebSocket, SSE, XHR/fetch streaming, the pushlet
 * (forever frame), long-poll. Each but WebSocket receives on its own and sends by POST.
 */
export function availableTransports(platform: Platform): TransportName[] {
  const names: TransportName[] = [];
  if (platform.WebSocket) names.push('websocket');
  if (platform.EventSource) names.push('sse');
  if (platform.fetchStreams || platform.XMLHttpRequest) names.push('xhr-stream');
  if (platform.frames) names.push('pushlet');
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
    case 'xhr-stream':
      return new XhrStreamTransport(platform, endpoints, context, handlers);
    case 'pushlet':
      if (!platform.frames) throw new Error("transport 'pushlet' needs a browser page (a hidden iframe)");
      return new PushletTransport(platform, endpoints, context, handlers);
    case 'long-poll':
      return new PollTransport(platform.fetch, endpoints, context, handlers);
  }
}
