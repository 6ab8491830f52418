import type { IncomingMessage, Server } from 'node:http';
import type { Socket } from 'node:net';
import { ChatError, DISCONNECTS, cleanNick } from '@chat/protocol';
import { WebSocketServer, type WebSocket } from 'ws';
import { admit, type Admitted } from '../admission.js';
import type { GatewayContext } from '../context.js';
import { endWithError } from '../http/raw-error.js';
import { isUtf8Query } from '../http/utf8-query.js';
import { answerMalformedHandshakes } from './handshake-errors.js';
import { IdleTicker } from './idle-ticker.js';
import { serveJsonSocket } from './ws-json.js';
import { serveLineSocket } from './ws-line.js';
import { WsHeartbeat } from './ws-heartbeat.js';
import { WriteCoalescer } from './write-coalescer.js';
import { AckHoldSweeper } from './ack-hold.js';

// Module level on purpose: a closure made inside upgrade() would keep the whole request alive
// (headers, URL) for the life of the connection.
const ignore = (): void => undefined;

/** Accepts WebSocket upgrades on the HTTP server: `/ws` (JSON protocol), `/ws/line` (seed protocol), `/app/:key` (Pusher). */
export class WsGateway {
  private readonly server: WebSocketServer;
  private readonly heartbeat: WsHeartbeat;
  readonly idleTicker: IdleTicker;
  private readonly coalescer = new WriteCoalescer();
  private readonly ackSweeper = new AckHoldSweeper();

  constructor(
    private readonly context: GatewayContext,
    /** Takes `/app/:key` upgrades (the Pusher protocol), when Pusher apps are configured. */
    private readonly pusher?: { upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void },
  ) {
    this.server = new WebSocketServer({
      noServer: true,
      maxPayload: context.config.maxFrameBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
    answerMalformedHandshakes(this.server, context.config.nodeId);
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
    if (this.pusher && url.pathname.startsWith('/app/')) return this.pusher.upgrade(request, socket, head);
    if (url.pathname !== '/ws' && url.pathname !== '/ws/line') return endWithError(socket, 'not_found', 'no WebSocket endpoint here', this.context.config.nodeId);
    if (!isUtf8Query(url.search.slice(1))) return endWithError(socket, 'bad_request', 'the query string is not valid UTF-8', this.context.config.nodeId);
    const transport = url.pathname === '/ws' ? 'ws' : 'ws_line';
    const asked = url.searchParams.get('nick');
    const nick = cleanNick(asked);
    const refusedNick = asked !== null && asked !== '' && nick === undefined;
    admit(this.context, request, transport).then(
      (admitted) => {
        socket.once('close', admitted.release);
        this.server.handleUpgrade(request, socket, head, (ws: WebSocket) => this.serve(ws, socket, transport, admitted, nick, refusedNick));
      },
      (error: unknown) => this.turnAway(request, socket, head, error),
    );
  }

  private serve(ws: WebSocket, socket: Socket, transport: 'ws' | 'ws_line', admitted: Admitted, nick: string | undefined, refusedNick: boolean): void {
    const attachment = { ws, socket, coalescer: this.coalescer, ackSweeper: this.ackSweeper, heartbeat: this.heartbeat, identity: admitted.identity };
    if (transport === 'ws_line') serveLineSocket(this.context, this.idleTicker, attachment);
    else serveJsonSocket(this.context, nick === undefined ? { ...attachment, refusedNick } : { ...attachment, nick });
  }

  /**
   * A browser sees only 1006 for a refused upgrade, so a bad origin or token is told by a close
   * code after the upgrade; a draining node or a full IP slot answers plain HTTP before it.
   */
  private turnAway(request: IncomingMessage, socket: Socket, head: Buffer, error: unknown): void {
    const chatError = error instanceof ChatError ? error : new ChatError('internal', 'internal error');
    const disconnect = chatError.code === 'unauthorized' ? DISCONNECTS.unauthorized : chatError.code === 'forbidden' ? DISCONNECTS.origin : undefined;
    if (!disconnect) return endWithError(socket, chatError.code, chatError.message, this.context.config.nodeId);
    this.context.metrics.clientError(chatError.code);
    this.server.handleUpgrade(request, socket, head, (ws: WebSocket) => ws.close(disconnect.closeCode, chatError.message.slice(0, 100)));
  }
}
