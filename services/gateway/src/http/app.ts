import Router from '@koa/router';
import { ChatError } from '@chat/protocol';
import Koa from 'koa';
import { fileURLToPath } from 'node:url';
import type { CursorStore } from '@chat/core';
import { mountAdminRoutes } from '../admin/routes-admin.js';
import type { GatewayContext } from '../context.js';
import type { PusherServer } from '../pusher/pusher-server.js';
import { pollHandler } from '../transports/long-poll.js';
import { eventStreamHandler } from '../transports/event-stream.js';
import { NDJSON_FORMAT } from '../transports/ndjson-format.js';
import { PUSHLET_FORMAT } from '../transports/pushlet-format.js';
import { SSE_FORMAT } from '../transports/sse-format.js';
import type { StreamHeartbeat } from '../transports/stream-heartbeat.js';
import { errorSink } from './error-sink.js';
import { ReadBudget } from './read-budget.js';
import { mountApiRoutes } from './routes-api.js';
import { mountChatFeatureRoutes } from './routes-chat-features.js';
import { mountHealthRoutes } from './routes-health.js';
import { mountSeedRoutes } from './routes-seed.js';
import { staticFiles } from './static-files.js';
import { utf8QueryOnly } from './utf8-query.js';

export const PUBLIC_DIR = fileURLToPath(new URL('../../public/', import.meta.url));

/** The koa application of one node: one error sink, the routes, then the public folder. `cursors` stay the node's to close. */
export function createApp(context: GatewayContext, streams: StreamHeartbeat, cursors: CursorStore, pusher?: PusherServer): { app: Koa; stop: () => void } {
  const app = new Koa();
  const router = new Router();
  app.use(errorSink(context.logger, (code) => context.metrics.clientError(code)));
  app.use(async (ctx, next) => {
    ctx.set('X-Node-Id', context.config.nodeId);
    ctx.set('X-Content-Type-Options', 'nosniff');
    await next();
  });
  app.use(utf8QueryOnly);
  app.use(staticFiles(PUBLIC_DIR));
  mountHealthRoutes(router, context);
  const reads = new ReadBudget(context);
  const stopApi = mountApiRoutes(router, context, reads);
  const stopChatFeatures = mountChatFeatureRoutes(router, context, reads);
  const stopAdmin = mountAdminRoutes(router, context);
  const stopObserving = context.broker.observe(context.metrics.brokerObserver);
  mountSeedRoutes(router, context.config.nodeId);
  // `/ws` and `/ws/line` are reached by an upgrade (ws-gateway.ts); a plain request is told so, not "no file".
  router.get(['/ws', '/ws/line'], (ctx) => {
    ctx.set('Upgrade', 'websocket');
    throw new ChatError('upgrade_required', `${ctx.path} is a WebSocket endpoint: connect with Upgrade: websocket`);
  });
  router.get('/sse', eventStreamHandler(context, streams, SSE_FORMAT, cursors));
  router.get('/xhr-stream', eventStreamHandler(context, streams, NDJSON_FORMAT, cursors));
  router.get('/pushlet', eventStreamHandler(context, streams, PUSHLET_FORMAT, cursors));
  router.get('/poll', pollHandler(context, reads, cursors));
  pusher?.mountRoutes(router);
  app.use(router.routes());
  app.use(router.allowedMethods());
  app.on('error', (error: Error) => context.logger.debug({ err: error.message }, 'koa error'));
  const stop = (): void => {
    stopApi();
    stopChatFeatures();
    reads.stop();
    stopAdmin();
    stopObserving();
  };
  return { app, stop };
}
