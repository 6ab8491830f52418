import type { Duplex } from 'node:stream';
import type { WebSocketServer } from 'ws';
import { endWithError } from '../http/raw-error.js';

/**
 * ws answers a handshake it refuses (no Sec-WebSocket-Key, an unknown version, not a GET) with a
 * text/html page; every WebSocket endpoint of the node answers it in the JSON error shape instead,
 * like its other refusals.
 */
export function answerMalformedHandshakes(server: WebSocketServer, nodeId: string): void {
  server.on('wsClientError', (error: Error, socket: Duplex) => {
    const code = error.message === 'Invalid HTTP method' ? 'method_not_allowed' : 'bad_request';
    // RFC 6455 4.4: a version the server does not speak is answered with the ones it does.
    const headers: Record<string, string> = error.message.includes('Sec-WebSocket-Version') ? { 'Sec-WebSocket-Version': '13, 8' } : {};
    endWithError(socket, code, error.message, nodeId, headers);
  });
}
