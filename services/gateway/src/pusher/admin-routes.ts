import type Router from '@koa/router';
import { adminAccess } from '../admin/admin-access.js';
import type { GatewayContext } from '../context.js';
import type { PusherApps } from './pusher-apps.js';
import type { PusherRuntime } from './pusher-runtime.js';

/** `/admin/api/pusher`: each app (never its secret), its connections and channels here, and its channels in the cluster. */
export function mountPusherAdmin(router: Router, context: GatewayContext, runtime: PusherRuntime, apps: PusherApps, localConnections: (appId: string) => number): void {
  router.get('/admin/api/pusher', adminAccess(context), async (ctx) => {
    ctx.body = {
      node: context.config.nodeId,
      backend: runtime.backend.kind,
      apps: await Promise.all(
        apps.list.map(async (app) => ({
          id: app.id,
          key: app.key,
          enabled: app.enabled,
          webhooks: app.webhooks.map((target) => target.url.origin),
          connections: localConnections(app.id),
          localChannels: runtime.hub.localChannels(app.id),
          clusterChannels: Object.fromEntries(await runtime.backend.channels(app).catch(() => new Map<string, number>())),
        })),
      ),
    };
  });
}
