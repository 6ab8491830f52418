import { ChatError } from '@chat/protocol';
import type { Context } from 'koa';
import { routeParam } from '../http/route-param.js';
import { apiSignatureProblem } from './api-signature.js';
import type { PusherApp, PusherApps } from './pusher-apps.js';

/** Largest HTTP API body (a batch of 10 events of 10 KB, with room for names and channels). */
export const MAX_API_BODY_BYTES = 256 * 1024;

async function readBody(ctx: Context): Promise<Buffer> {
  const declared = Number(ctx.get('content-length'));
  if (Number.isFinite(declared) && declared > MAX_API_BODY_BYTES) throw new ChatError('frame_too_big', `body is larger than ${MAX_API_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_API_BODY_BYTES) {
      ctx.set('Connection', 'close');
      throw new ChatError('frame_too_big', `body is larger than ${MAX_API_BODY_BYTES} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** A signed request of an app, its body read and checked. */
export interface ApiRequest {
  readonly app: PusherApp;
  readonly query: URLSearchParams;
  /** The JSON body (an object), or undefined for a request without one. */
  readonly body: Record<string, unknown> | undefined;
}

/** Finds the app of `/apps/:appId/…`, reads the body and checks the signature: 404, 403, 401, 413 or 400 otherwise. */
export async function signedApiRequest(ctx: Context, apps: PusherApps): Promise<ApiRequest> {
  const app = apps.withId(routeParam(ctx, 'appId') ?? '');
  if (!app) throw new ChatError('not_found', 'no such app');
  const raw = await readBody(ctx);
  const query = new URLSearchParams(ctx.querystring);
  const problem = apiSignatureProblem(app, { method: ctx.method, path: ctx.path, query, body: raw });
  if (problem !== undefined) throw new ChatError('unauthorized', problem);
  if (!app.enabled) throw new ChatError('forbidden', 'app disabled');
  if (raw.length === 0) return { app, query, body: undefined };
  let body: unknown;
  try {
    body = JSON.parse(raw.toString('utf8'));
  } catch {
    throw new ChatError('bad_json', 'body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new ChatError('bad_json', 'body must be a JSON object');
  return { app, query, body: body as Record<string, unknown> };
}
