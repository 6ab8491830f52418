import { ChatError } from '@chat/protocol';
import type { Context, Next } from 'koa';
import type { Logger } from '../logger.js';


export function sendError(ctx: Context, status: number, code: string, message: string, extra: Record<string, unknown> = {}): void {
  ctx.status = status;
  ctx.type = 'application/json';
  ctx.body = { error: { code, message, ...extra } };
}

/** The one place errors become responses: `{error:{code,message}}`, never a stack trace. */
export function errorSink(logger: Logger, onError: (code: string) => void) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) sendError(ctx, 404, 'not_found', `no route for ${ctx.method} ${ctx.path}`.slice(0, 200));
      else if (ctx.status === 405) sendError(ctx, 405, 'method_not_allowed', `${ctx.method} is not allowed here`);
    } catch (error) {
      if (ctx.respond === false && ctx.res.headersSent) {
        ctx.res.end();
        return;
      }
      if (error instanceof ChatError) {
        const status = error.httpStatus;
        onError(error.code);
        if (error.code === 'rate_limited' && typeof error.details?.retryAfterMs === 'number') {
          ctx.set('Retry-After', String(Math.ceil(error.details.retryAfterMs / 1000)));
        } else if (error.code === 'unavailable' || error.code === 'draining') {
          ctx.set('Retry-After', '1');
        }
        sendError(ctx, status, error.code, error.message, error.details ?? {});
        return;
      }
      const status = typeof (error as { status?: unknown }).status === 'number' ? (error as { status: number }).status : 500;
      if (status >= 500) logger.error({ err: error instanceof Error ? error.stack : String(error), path: ctx.path }, 'request failed');
      onError(status >= 500 ? 'internal' : 'bad_request');
      sendError(ctx, status, status >= 500 ? 'internal' : 'bad_request', status >= 500 ? 'internal error' : 'bad request');
    }
  };
}
