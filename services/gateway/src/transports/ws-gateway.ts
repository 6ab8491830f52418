import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { ChatError, validateNick } from '@chat/core';
import { WebSocketServer, type WebSocket } from 'ws';
import type { GatewayContext } from '../context.js';
import { IdleTicker } from './idle-ticker.js';
import { originAllowed } from './origin-policy.js';
import { serveJsonSocket } from './ws-json.js';
import { serveLineSocket } from './ws-line.js';
import { WsHeartbeat } from './ws-heartbeat.js';
import { WriteCoalescer } from './write-coalescer.js';

const CLOSE_POLICY = 1008;
// Module level on purpose: a closure made inside upgrade() would keep the whole request alive
// (headers, URL) for the life of the connection.
const ignore = (): void => undefined;
const CLOSE_UNAUTHORIZED = 4001;

/** Accepts WebSocket upgrades on the HTTP server: `/ws` (JSON protocol) and `/ws/line` (seed protocol). */
export class WsGateway {
  private readonly server: WebSocketServer;
  private readonly heartbeat: WsHeartbeat;
  readonly idleTicker: IdleTicker;
  private readonly coalescer = new WriteCoalescer();

  constructor(private readonly context: GatewayContext) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: context.config.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    this.heartbeat = new WsHeartbeat(context.config.wsHeartbeatMs);
    this.idleTicker = new IdleTicker(context.config.idleTickMs);
  }

  attach(http: Server): void {
    http.on('upgrade', (request: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(request, socket, head));
  }

  stop(): void {
    this.heartbeat.stop();
    this.idleTicker.stop();
  }

  private upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', ignore);
    const url = new URL(request.url ?? '/', 'http://localhost');
    if (url.pathname !== '/ws' && url.pathname !== '/ws/line') return refuse(socket, 404, 'not_found', 'no WebSocket endpoint here');
    if (this.context.draining) return refuse(socket, 503, 'draining', 'node draining, reconnect elsewhere');
    const release = this.context.admit(this.context.clientIp(request));
    if (!release) return refuse(socket, 429, 'too_many_connections', 'too many connections from your address');
    socket.once('close', release);
    this.server.handleUpgrade(request, socket, head, (ws: WebSocket) => {
      if (!originAllowed(request, this.context.config.allowedOrigins)) {
        this.context.metrics.limitViolation('origin');
        ws.close(CLOSE_POLICY, 'origin not allowed');
        return;
      }
      let identity;
      try {
        identity = this.context.identify(request);
      } catch (error) {
        this.context.metrics.clientError('unauthorized');
        ws.close(CLOSE_UNAUTHORIZED, error instanceof ChatError ? error.message.slice(0, 100) : 'unauthorized');
        return;
      }
      const attachment = { ws, socket, coalescer: this.coalescer, heartbeat: this.heartbeat, identity };
      if (url.pathname === '/ws/line') return serveLineSocket(this.context, this.idleTicker, attachment);
      const nick = url.searchParams.get('nick');
      let validNick: string | undefined;
      try {
        validNick = nick === null ? undefined : validateNick(nick);
      } catch {
        validNick = undefined;
      }
      serveJsonSocket(this.context, validNick === undefined ? attachment : { ...attachment, nick: validNick });
    });
  }
}

const REASONS: Record<number, string> = { 404: 'Not Found', 429: 'Too Many Requests', 503: 'Service Unavailable' };

function refuse(socket: Socket, status: number, code: string, message: string): void {
  const body = JSON.stringify({ error: { code, message } });
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status] ?? 'Error'}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
