import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Middleware } from 'koa';
import { ChatError } from '@chat/protocol';

/** Headers any proxy in front of a gateway adds (nginx, ingress-nginx, most load balancers). */
const PROXY_HEADERS = ['x-forwarded-for', 'forwarded', 'x-real-ip'] as const;

const digest = (text: string): Buffer => createHash('sha256').update(text).digest();

/** Whether the request came through a proxy rather than straight from a scraper on the pod network. */
function cameThroughProxy(request: IncomingMessage): boolean {
  return PROXY_HEADERS.some((name) => request.headers[name] !== undefined);
}

function bearerOf(request: IncomingMessage): string | undefined {
  const header = request.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
}

/**
 * Who may read /metrics. With METRICS_TOKEN: only `Authorization: Bearer <METRICS_TOKEN>`.
 * Without it: a scraper that reaches the node directly (Prometheus on the pod network); a request
 * that came through a proxy answers 404, so neither the shipped nginx nor an Ingress publishes it
 * even if their own rule is forgotten.
 */
export function metricsAccess(metricsToken: string | undefined): Middleware {
  const expected = metricsToken === undefined ? undefined : digest(metricsToken);
  return async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    if (expected !== undefined) {
      const given = bearerOf(ctx.req);
      // Equal-length digests: the comparison takes the same time whatever the guess.
      if (given === undefined || !timingSafeEqual(digest(given), expected)) {
        throw new ChatError('unauthorized', '/metrics needs Authorization: Bearer <METRICS_TOKEN>');
      }
    } else if (cameThroughProxy(ctx.req)) {
      throw new ChatError('not_found', 'no route for GET /metrics');
    }
    await next();
  };
}
