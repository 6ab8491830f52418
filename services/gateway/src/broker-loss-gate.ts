import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** Requests that open a long-lived client connection: what a node without its broker refuses. */
const LONG_LIVED = new Set(['/ws', '/ws/line', '/sse', '/poll', '/xhr-stream', '/pushlet']);

const REFUSAL = JSON.stringify({ error: { code: 'unavailable', message: 'this node lost its message broker; connect to another node' } });

function pathOf(request: IncomingMessage): string {
  const url = request.url ?? '/';
  const query = url.indexOf('?');
  return query === -1 ? url : url.slice(0, query);
}

/**
 * Puts a check in front of the server's request and upgrade handlers: while `refusing()`, a
 * request for a long-lived connection gets 503 `unavailable` (nginx passes it to another node and
 * counts a failure against this one); everything else, /readyz included, is served as usual.
 */
export function gateLongLivedRequests(http: Server, refusing: () => boolean, nodeId: string): void {
  const requestHandlers = http.listeners('request') as Array<(request: IncomingMessage, response: ServerResponse) => void>;
  const upgradeHandlers = http.listeners('upgrade') as Array<(request: IncomingMessage, socket: Duplex, head: Buffer) => void>;
  http.removeAllListeners('request');
  http.removeAllListeners('upgrade');
  http.on('request', (request: IncomingMessage, response: ServerResponse) => {
    if (refusing() && LONG_LIVED.has(pathOf(request))) {
      response.writeHead(503, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(REFUSAL), 'Retry-After': '1', 'X-Node-Id': nodeId });
      response.end(REFUSAL);
      return;
    }
    for (const handler of requestHandlers) handler.call(http, request, response);
  });
  http.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    if (refusing() && LONG_LIVED.has(pathOf(request))) {
      socket.on('error', () => undefined);
      socket.end(
        `HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(REFUSAL)}\r\nRetry-After: 1\r\nX-Node-Id: ${nodeId}\r\nConnection: close\r\n\r\n${REFUSAL}`,
      );
      return;
    }
    for (const handler of upgradeHandlers) handler.call(http, request, socket, head);
  });
}
