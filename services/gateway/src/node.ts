import { createServer, type Server } from 'node:http';
import { BrokerLossReaction } from './broker-loss.js';
import type { GatewayConfig } from './config.js';
import { GatewayContext } from './context.js';
import { createApp } from './http/app.js';
import { answerClientError } from './http/client-error.js';
import type { Logger } from './logger.js';
import { GatewayMetrics } from './metrics.js';
import { createNodeStores, type NodeStores } from './node-stores.js';
import { PusherServer } from './pusher/pusher-server.js';
import { StreamHeartbeat } from './transports/stream-heartbeat.js';
import { TcpGateway } from './transports/tcp-gateway.js';
import { WsGateway } from './transports/ws-gateway.js';

const BROKER_START_WAIT_MS = 5000;
/** Capped by the kernel's net.core.somaxconn (4096 on current Linux). */
const LISTEN_BACKLOG = 4096;

/** A listen that fails (a HOST that does not resolve, a port in use) names the variables that chose the address. */
function listenError(variables: string, error: unknown): Error {
  return new Error(`${variables}: ${error instanceof Error ? error.message : String(error)}`);
}

/** One gateway node: HTTP + WebSocket on one port, optional TCP, a broker, and a graceful drain. */
export class GatewayNode {
  private constructor(
    readonly context: GatewayContext,
    private readonly http: Server,
    private readonly ws: WsGateway,
    private readonly streams: StreamHeartbeat,
    private readonly stopApp: () => void,
    private readonly tcp: TcpGateway | undefined,
    readonly port: number,
    readonly tcpPort: number | undefined,
    private readonly brokerLoss: BrokerLossReaction,
    private readonly pusher: PusherServer,
    private readonly stores: NodeStores,
  ) {}

  static async start(config: GatewayConfig, logger: Logger): Promise<GatewayNode> {
    const stores = createNodeStores(config, logger);
    const { broker } = stores;
    const metrics = new GatewayMetrics(config.nodeId);
    const context = new GatewayContext(config, logger, broker, metrics);
    let connectedBefore = false;
    broker.onHealth((event) => {
      if (event.type === 'connected') {
        if (connectedBefore) metrics.brokerReconnects += 1;
        connectedBefore = true;
        metrics.brokerConnected = true;
        logger.info({ broker: broker.kind }, 'broker connected');
      } else if (event.type === 'disconnected') {
        metrics.brokerConnected = false;
        logger.warn({ reason: event.reason }, 'broker disconnected');
      }
    });

    const streams = new StreamHeartbeat(config.sseHeartbeatMs);
    // Pusher keys go under REDIS_KEY_PREFIX too: `<prefix>pusher:{<app>}:…`.
    const pusher = new PusherServer(context, config.redisKeyPrefix, stores.redis);
    const { app, stop: stopApp } = createApp(context, streams, stores.cursors, pusher);
    const handle = app.callback();
    // koa answers every request itself, errors included (the error sink); nothing to await here.
    const http = createServer({ maxHeaderSize: 16 * 1024, requestTimeout: 60_000 }, (request, response) => void handle(request, response));
    http.keepAliveTimeout = 65_000;
    http.on('clientError', answerClientError(config.nodeId));
    const ws = new WsGateway(context, pusher.enabled ? pusher : undefined);
    ws.attach(http);
    // A broker lost for longer than a blip: take no new clients, move the present ones elsewhere.
    const brokerLoss = new BrokerLossReaction(broker, () => context.connections, { graceMs: config.brokerLossGraceMs, spreadMs: config.brokerLossSpreadMs }, logger);
    context.refuseNewClientsWhile(() => brokerLoss.refusing);
    const port = await new Promise<number>((resolve, reject) => {
      http.once('error', (error) => reject(listenError(`PORT=${config.port} HOST=${config.host}`, error)));
      // A deep accept queue: when a node dies, its clients reconnect to the others all at once,
      // and a SYN dropped from a full queue costs a second (and makes nginx think the node is down).
      http.listen({ port: config.port, host: config.host, backlog: LISTEN_BACKLOG }, () => {
        const address = http.address();
        resolve(typeof address === 'object' && address ? address.port : config.port);
      });
    });
    let tcp: TcpGateway | undefined;
    let tcpPort: number | undefined;
    if (config.tcpPort !== undefined) {
      tcp = new TcpGateway(context, ws.idleTicker);
      const { tcpPort: wanted } = config;
      tcpPort = await tcp.listen(wanted, config.host).catch((error: unknown) => {
        throw listenError(`TCP_PORT=${wanted} HOST=${config.host}`, error);
      });
    }
    // A node started while Redis is down serves /readyz 503 and becomes ready when Redis comes.
    await broker.start(BROKER_START_WAIT_MS).catch((error: unknown) => {
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'broker not ready yet; retrying in the background');
    });
    await pusher.start();
    return new GatewayNode(context, http, ws, streams, stopApp, tcp, port, tcpPort, brokerLoss, pusher, stores);
  }

  /**
   * SIGTERM: readyz turns 503, no new connections, every client is told to reconnect elsewhere,
   * presence is removed, and it resolves once clients are gone or `drainTimeoutMs` passed.
   */
  async drain(): Promise<void> {
    const { context } = this;
    if (context.draining) return;
    context.startDraining();
    this.brokerLoss.stop();
    context.logger.info({ connections: context.connections.size }, 'draining');
    const httpClosed = new Promise<void>((resolve) => this.http.close(() => resolve()));
    this.http.closeIdleConnections();
    const tcpClosed = this.tcp?.close();
    for (const connection of [...context.connections]) connection.drain();
    // Leave part of the bound for the broker's cleanup, so the whole drain fits in it.
    const timeout = context.config.drainTimeoutMs;
    await this.waitForClients(timeout - Math.min(1000, timeout / 4));
    for (const connection of [...context.connections]) connection.terminate();
    await tcpClosed;
    await this.pusher.stop();
    await context.broker.stop();
    this.ws.stop();
    this.streams.stop();
    this.stopApp();
    this.http.closeAllConnections();
    await httpClosed;
    // Last: the Redis connections the broker, the cursors and Pusher shared, now that all stopped.
    await this.stores.close();
    context.logger.info('drained');
  }

  private async waitForClients(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.context.connections.size > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }
}
