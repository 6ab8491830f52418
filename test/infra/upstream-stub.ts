import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { textOf } from '@chat/testkit';
import { WebSocketServer } from 'ws';

/** What an upstream saw of one request, to check what nginx forwards. */
export interface SeenRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingMessage['headers'];
  readonly bodyBytes: number;
}

/** A stand-in gateway for proxy tests: answers with its name, echoes WebSocket frames, streams SSE. */
export interface UpstreamStub {
  readonly name: string;
  readonly port: number;
  readonly seen: SeenRequest[];
  /** Answer every request with this status instead (e.g. 503 while draining). */
  status: number;
  /** Called for GET /sse after the first event is written; end the stream with `end()`. */
  onSse?: (end: () => void) => void;
  close(): Promise<void>;
}

/** Starts an upstream stub on 127.0.0.1, port 0. */
export async function startUpstreamStub(name: string): Promise<UpstreamStub> {
  const seen: SeenRequest[] = [];
  const handle = (request: IncomingMessage, response: ServerResponse, stub: UpstreamStub): void => {
    let bodyBytes = 0;
    request.on('data', (chunk: Buffer) => (bodyBytes += chunk.length));
    request.on('end', () => {
      seen.push({ method: request.method ?? '', url: request.url ?? '', headers: request.headers, bodyBytes });
      response.setHeader('X-Node-Id', name);
      if (stub.status !== 200) {
        response.writeHead(stub.status, { 'Content-Type': 'application/json' }).end('{"error":{"code":"draining","message":"stub"}}');
      } else if (request.url === '/sse') {
        // No X-Accel-Buffering here: the proxy config alone must keep the stream unbuffered.
        response.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
        response.write('data: first\n\n');
        stub.onSse?.(() => response.end('data: last\n\n'));
      } else {
        response.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ node: name, bodyBytes }));
      }
    });
  };
  const server: Server = createServer((request, response) => handle(request, response, stub));
  const wss = new WebSocketServer({ server });
  wss.on('connection', (socket, request) => {
    socket.send(JSON.stringify({ node: name, host: request.headers.host }));
    socket.on('message', (data) => socket.send(textOf(data)));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stub: UpstreamStub = {
    name,
    port: (server.address() as AddressInfo).port,
    seen,
    status: 200,
    close: () =>
      new Promise((resolve) => {
        for (const client of wss.clients) client.terminate();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  return stub;
}
