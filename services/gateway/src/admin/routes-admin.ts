import { readFile } from 'node:fs/promises';
import type Router from '@koa/router';
import type { GatewayContext } from '../context.js';
import { CONTENT_SECURITY_POLICY } from '../http/static-files.js';
import { adminAccess } from './admin-access.js';
import { AdminFeed } from './admin-feed.js';
import { ClusterView } from './cluster-snapshot.js';
import { startNodeHeartbeat } from './node-heartbeat.js';

const ADMIN_PAGE = new URL('../../public/admin.html', import.meta.url);
const FEED_INTERVAL_MS = 1000;

/**
 * /admin (the page), /admin/api/cluster (JSON) and /admin/api/feed (SSE), behind adminAccess; and
 * this node's heartbeat that puts it on every node's list. Returns what stops both.
 */
export function mountAdminRoutes(router: Router, context: GatewayContext): () => void {
  const heartbeatIntervalMs = Math.max(50, Math.floor(context.config.presenceTtlMs / 3));
  const view = new ClusterView(context.broker, context.config.nodeId, heartbeatIntervalMs);
  const feed = new AdminFeed(view, FEED_INTERVAL_MS, context.logger);
  const stopHeartbeat = startNodeHeartbeat(context, heartbeatIntervalMs);
  const access = adminAccess(context);

  router.get('/admin', access, async (ctx) => {
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Content-Security-Policy', CONTENT_SECURITY_POLICY);
    ctx.body = await readFile(ADMIN_PAGE);
  });

  router.get('/admin/api/cluster', access, async (ctx) => {
    ctx.body = await view.snapshot();
  });

  router.get('/admin/api/feed', access, (ctx) => {
    ctx.status = 200;
    ctx.respond = false;
    ctx.req.socket.setNoDelay(true);
    ctx.req.socket.setTimeout(0);
    feed.watch(ctx.res);
  });

  return () => {
    stopHeartbeat();
    feed.stop();
  };
}
