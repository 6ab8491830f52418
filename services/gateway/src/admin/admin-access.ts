import { isIP } from 'node:net';
import type { Middleware } from 'koa';
import { ChatError } from '@chat/protocol';
import { tokenOf } from '../auth/identity.js';
import type { GatewayContext } from '../context.js';

const isLoopback = (address: string): boolean => {
  const plain = address.startsWith('::ffff:') ? address.slice(7) : address;
  return plain === '::1' || (isIP(plain) === 4 && plain.startsWith('127.'));
};

/**
 * Who may see /admin. With auth on (AUTH_SECRET or JWKS) only a token with `"admin": true`; with
 * auth off only a loopback client: the socket and the client address behind any trusted proxy
 * (so nginx or an ingress on the same host does not make every client local).
 */
export function adminAccess(context: GatewayContext): Middleware {
  return async (ctx, next) => {
    ctx.set('Cache-Control', 'no-store');
    const identity = await context.authenticate(tokenOf(ctx.req));
    if (identity.user !== undefined) {
      if (identity.admin !== true) throw new ChatError('forbidden', 'this token is not an admin token ("admin": true)');
    } else if (!isLoopback(ctx.req.socket.remoteAddress ?? '') || !isLoopback(context.clientIp(ctx.req))) {
      throw new ChatError('forbidden', 'without auth, /admin answers loopback clients only');
    }
    await next();
  };
}
