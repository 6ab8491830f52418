import { randomInt } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type Router from '@koa/router';
import type { RedisConnections } from '@chat/core/redis-topology';
import { WebSocketServer, type WebSocket } from 'ws';
import type { GatewayContext } from '../context.js';
import { answerMalformedHandshakes } from '../transports/handshake-errors.js';
import { WsOutlet } from '../transports/ws-outlet.js';
import { WriteCoalescer } from '../transports/write-coalescer.js';
import { ActivityWatch } from './activity-watch.js';
import { mountPusherAdmin } from './admin-routes.js';
import { mountPusherApi } from './api-routes.js';
import { ChannelHub } from './channel-hub.js';
import { MemoryPusherBackend } from './memory-backend.js';
import { PusherApps, type PusherApp } from './pusher-apps.js';
import type { PusherBackend } from './pusher-backend.js';
import { PusherMetrics } from './pusher-metrics.js';
import type { PusherRuntime } from './pusher-runtime.js';
import { PusherSocket } from './pusher-socket.js';
import { admitPusherUpgrade, refuseUpgrade } from './pusher-upgrade.js';
import { RedisPusherBackend } from './redis-backend.js';
import { WebhookSender } from './webhook-sender.js';

const CACHE_TTL_MS = 30 * 60 * 1000;
const ignore = (): void => undefined;

/** The Pusher Channels protocol of one node: WebSocket at /app/:key, the HTTP API at /apps/:id, webhooks. */
export class PusherServer {
  readonly apps: PusherApps;
  readonly runtime: PusherRuntime;
  private readonly server: WebSocketServer;
  /** Apps whose heartbeat the cluster has acknowledged once: after that, being unknown means forgotten. */
  private readonly beaten = new Set<string>();
  private readonly coalescer = new WriteCoalescer();
  private readonly watch: ActivityWatch;
  private readonly webhooks: WebhookSender;
  private readonly sockets = new Map<string, Set<PusherSocket>>();
  /** Per app: the cluster's connections at the last heartbeat, and ours then. */
  private readonly clusterCounts = new Map<string, { cluster: number; ownThen: number }>();
  private readonly socketPrefix = randomInt(1, 2 ** 31);
  private socketCounter = 0;
  private heartbeatTimer: NodeJS.Timeout | undefined;

  /** `redis`: the node's connections (shared with its broker), or undefined for the in-memory backend. */
  constructor(
    private readonly context: GatewayContext,
    keyPrefix: string,
    redis: RedisConnections | undefined,
  ) {
    const { config, logger } = context;
    const settings = config.pusher;
    this.apps = new PusherApps(settings.apps);
    const backend: PusherBackend = redis
      ? new RedisPusherBackend({ connections: redis, nodeId: config.nodeId, keyPrefix, presenceTtlMs: config.presenceTtlMs, webhookDelayMs: settings.webhookDelayMs, cacheTtlMs: CACHE_TTL_MS, logger })
      : new MemoryPusherBackend({ webhookDelayMs: settings.webhookDelayMs, cacheTtlMs: CACHE_TTL_MS });
    const metrics = new PusherMetrics(context.metrics.registry, settings.apps.map((app) => app.id));
    const hub = new ChannelHub(backend, (appId, count) => {
      context.metrics.deliveries.pusher += count;
    });
    this.runtime = { backend, hub, metrics, logger, settings };
    for (const app of settings.apps) this.sockets.set(app.id, new Set());
    this.watch = new ActivityWatch(settings.activityTimeoutS * 1000, settings.pongTimeoutMs);
    this.webhooks = new WebhookSender(backend, settings.apps, metrics, logger);
    this.server = new WebSocketServer({ noServer: true, maxPayload: config.maxFrameBytes, perMessageDeflate: false, clientTracking: false });
    answerMalformedHandshakes(this.server, config.nodeId);
  }

  get enabled(): boolean {
    return this.apps.list.length > 0;
  }

  async start(): Promise<void> {
    if (!this.enabled) return;
    await this.runtime.backend.start();
    this.webhooks.start();
    const every = Math.max(50, Math.floor(this.context.config.presenceTtlMs / 3));
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), every);
    this.heartbeatTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.heartbeatTimer);
    this.watch.stop();
    this.webhooks.stop();
    if (this.enabled) await this.runtime.backend.stop();
  }

  mountRoutes(router: Router): void {
    if (!this.enabled) return;
    mountPusherApi(router, this.runtime, this.apps);
    mountPusherAdmin(router, this.context, this.runtime, this.apps, (appId) => this.sockets.get(appId)?.size ?? 0);
  }

  /** `GET /app/:key`: the Pusher WebSocket. */
  upgrade(request: IncomingMessage, socket: Socket, head: Buffer): void {
    socket.on('error', ignore);
    const admitted = admitPusherUpgrade(this.context, this.apps, request, (app) => this.clusterConnections(app));
    if ('refusal' in admitted) {
      this.context.metrics.clientError(admitted.refusal);
      return refuseUpgrade(this.server, request, socket, head, admitted.refusal, admitted.message);
    }
    socket.once('close', admitted.release);
    this.server.handleUpgrade(request, socket, head, (ws: WebSocket) => this.serve(admitted.app, ws, socket));
  }

  private serve(app: PusherApp, ws: WebSocket, socket: Socket): void {
    const { context } = this;
    const counters = this.runtime.metrics.of(app.id);
    const socketId = `${this.socketPrefix}.${++this.socketCounter}`;
    const outlet = new WsOutlet(ws, socket, this.coalescer.withWindow(context.config.writeBatchMs), context.config.sendBufferBytes, () => {
      context.metrics.slowConsumers.pusher += 1;
      context.logger.warn({ socket: socketId, app: app.id }, 'slow pusher consumer disconnected');
    });
    const pusherSocket = new PusherSocket(this.runtime, app, ws, outlet, socketId);
    const untrack = context.track({ transport: 'pusher', drain: () => pusherSocket.drain(), terminate: () => pusherSocket.terminate() });
    const appSockets = this.sockets.get(app.id);
    appSockets?.add(pusherSocket);
    counters.connections += 1;
    const unwatch = this.watch.watch(pusherSocket);
    pusherSocket.start(() => {
      unwatch();
      appSockets?.delete(pusherSocket);
      counters.connections -= 1;
      untrack();
    });
  }

  private clusterConnections(app: PusherApp): number {
    const own = this.sockets.get(app.id)?.size ?? 0;
    const last = this.clusterCounts.get(app.id);
    return last ? Math.max(own, last.cluster - last.ownThen + own) : own;
  }

  /** Tells the cluster this node is alive, per app; counts our sockets in again if the cluster forgot us. */
  private async heartbeat(): Promise<void> {
    if (!this.runtime.backend.isReady()) return;
    for (const app of this.apps.list) {
      const sockets = this.sockets.get(app.id) ?? new Set<PusherSocket>();
      const ownThen = sockets.size;
      try {
        const beat = await this.runtime.backend.heartbeat(app, ownThen);
        this.clusterCounts.set(app.id, { cluster: beat.clusterConnections, ownThen });
        if (!beat.known && this.beaten.has(app.id)) {
          this.context.logger.warn({ app: app.id }, 'the cluster had forgotten this node: counting its pusher sockets in again');
          await Promise.all([...sockets].map((socket) => socket.channels.rejoinAll()));
        }
        this.beaten.add(app.id);
      } catch (error) {
        this.context.logger.debug({ app: app.id, err: error instanceof Error ? error.message : String(error) }, 'pusher heartbeat failed');
      }
    }
  }
}
