import type Router from '@koa/router';
import type { GatewayContext } from '../context.js';
import { metricsAccess } from './metrics-access.js';

/** Liveness, readiness (broker connected and not draining) and Prometheus metrics (private: see metricsAccess). */
export function mountHealthRoutes(router: Router, context: GatewayContext): void {
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok', node: context.config.nodeId };
  });

  router.get('/readyz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    const reason = context.draining ? 'draining' : context.broker.isConnected() ? undefined : 'broker_disconnected';
    ctx.status = reason ? 503 : 200;
    ctx.body = reason ? { status: 'unready', reason, node: context.config.nodeId } : { status: 'ready', node: context.config.nodeId, broker: context.broker.kind };
  });

  router.get('/metrics', metricsAccess(context.config.metricsToken), async (ctx) => {
    ctx.type = context.metrics.registry.contentType;
    ctx.body = await context.metrics.registry.metrics();
  });
}
