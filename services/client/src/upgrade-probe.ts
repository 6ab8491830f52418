import { parseJson } from '@chat/protocol';
import type { WebSocketConstructor, WebSocketLike } from './platform.js';

/**
 * Whether a WebSocket to `url` works again: true once the server's first frame (`welcome`)
 * arrives within `timeoutMs`. The probe socket is always closed; it never joins a room.
 */
export function probeWebSocket(WebSocketClass: WebSocketConstructor, url: string, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    let socket: WebSocketLike;
    try {
      socket = new WebSocketClass(url);
    } catch {
      resolve(false);
      return;
    }
    const finish = (works: boolean): void => {
      clearTimeout(timer);
      socket.onmessage = socket.onclose = socket.onerror = null;
      try {
        socket.close(1000, 'probe done');
      } catch {
        // already closed
      }
      resolve(works);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    socket.onmessage = (message) => {
      const frame = typeof message.data === 'string' ? parseJson(message.data) : undefined;
      finish(typeof frame === 'object' && frame !== null && (frame as { type?: unknown }).type === 'welcome');
    };
    socket.onclose = () => finish(false);
    socket.onerror = () => finish(false);
  });
}
