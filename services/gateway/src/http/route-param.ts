import type { Context } from 'koa';

/** A named parameter of the matched route (`/rooms/:room`), as the router decoded it. */
export function routeParam(ctx: Context, name: string): string | undefined {
  const params = ctx.params as Readonly<Record<string, string | undefined>> | undefined;
  return params?.[name];
}
