import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import { DISCONNECTS } from '@chat/protocol';
import type { WebSocket, WebSocketServer } from 'ws';
import type { GatewayContext } from '../context.js';
import { originAllowed } from '../transports/origin-policy.js';
import type { PusherApp, PusherApps } from './pusher-apps.js';
import { errorFrame, PUSHER_ERRORS, type PusherErrorName } from './pusher-errors.js';

const PROTOCOLS = new Set(['5', '6', '7']);

/** An upgrade that passed: the app, and the client IP's connection slot to release at the end. */
export interface AcceptedUpgrade {
  readonly app: PusherApp;
  readonly release: () => void;
}

/**
 * The admission of `GET /app/:key`, in Pusher's terms: a refusal is a `pusher:error` and its
 * close code after the upgrade (a browser would see only 1006 for a refused upgrade): a node
 * draining or without its broker 4200 (reconnect at once, elsewhere), unknown key 4001, app
 * disabled 4003, protocol 4007, app over its connection quota 4004, client IP over its slots 4100.
 */
export function admitPusherUpgrade(
  context: GatewayContext,
  apps: PusherApps,
  request: IncomingMessage,
  clusterConnections: (app: PusherApp) => number,
): AcceptedUpgrade | { readonly refusal: PusherErrorName | 'origin'; readonly message?: string } {
  const url = new URL(request.url ?? '/', 'http://localhost');
  if (context.draining || context.refusingNewClients) return { refusal: 'reconnect' };
  // Pusher apps usually serve their pages from another host than the socket's; like Pusher, any
  // origin is accepted unless ALLOWED_ORIGINS names the allowed ones.
  if (context.config.allowedOrigins.length > 0 && !originAllowed(request, context.config.allowedOrigins)) return { refusal: 'origin' };
  const key = url.pathname.slice('/app/'.length);
  const app = apps.withKey(key);
  if (!app) return { refusal: 'app_unknown', message: `App key ${key.slice(0, 64)} not in this cluster` };
  if (!app.enabled) return { refusal: 'app_disabled' };
  if (!PROTOCOLS.has(url.searchParams.get('protocol') ?? '7')) return { refusal: 'protocol_unsupported' };
  if (app.maxConnections > 0 && clusterConnections(app) >= app.maxConnections) return { refusal: 'over_quota' };
  const release = context.takeConnectionSlot(context.clientIp(request));
  if (!release) return { refusal: 'over_capacity' };
  return { app, release };
}

/** Completes the upgrade only to say why the connection cannot stay. */
export function refuseUpgrade(server: WebSocketServer, request: IncomingMessage, socket: Socket, head: Buffer, refusal: PusherErrorName | 'origin', message?: string): void {
  server.handleUpgrade(request, socket, head, (ws: WebSocket) => {
    if (refusal === 'origin') return ws.close(DISCONNECTS.origin.closeCode, DISCONNECTS.origin.reason);
    const text = message ?? PUSHER_ERRORS[refusal].message;
    ws.send(errorFrame(refusal, text));
    ws.close(PUSHER_ERRORS[refusal].code, text.slice(0, 120));
  });
}
