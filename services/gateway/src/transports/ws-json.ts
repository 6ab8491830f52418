import type { Socket } from 'node:net';
import { ChatSession, encodeServerEvent } from '@chat/core';
import type { WebSocket } from 'ws';
import type { Identity } from '../auth/identity.js';
import type { GatewayContext } from '../context.js';
import { wsFrameOf } from './frame-cache.js';
import type { WsHeartbeat } from './ws-heartbeat.js';
import { WsOutlet } from './ws-outlet.js';
import type { WriteCoalescer } from './write-coalescer.js';

const optional = <K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

export const CLOSE_DRAINING = 1012;
export const CLOSE_RATE_ABUSE = 4029;

export interface WsAttachment {
  readonly ws: WebSocket;
  readonly socket: Socket;
  readonly coalescer: WriteCoalescer;
  readonly heartbeat: WsHeartbeat;
  readonly identity: Identity;
  readonly nick?: string;
}

/** Serves the JSON protocol (DESIGN 2.3) on one WebSocket. */
export function serveJsonSocket(context: GatewayContext, { ws, socket, coalescer, heartbeat, identity, nick }: WsAttachment): void {
  const { metrics, config } = context;
  const id = context.newSessionId();
  const outlet = new WsOutlet(ws, socket, coalescer, config.sendBufferBytes, () => {
    metrics.slowConsumers.ws += 1;
    context.logger.warn({ session: id }, 'slow consumer disconnected');
  });
  const session = new ChatSession({
    id,
    nick: identity.nick ?? nick ?? context.defaultNick(id),
    nickLocked: identity.nick !== undefined,
    mayUseRoom: identity.mayUseRoom,
    joinBucket: context.newJoinBucket(),
    ...optional('sharedSendLimit', context.sharedSendLimit(identity)),
    nodeId: config.nodeId,
    hub: context.hub,
    publish: context.publish,
    limits: { maxTextLength: config.maxTextLength, maxRooms: config.maxRoomsPerConnection, abuseThreshold: config.rateSendsBurst * 2 },
    sendBucket: context.newSendBucket(),
    output: {
      event: (event) => {
        if (event.type === 'error') metrics.clientError(event.code);
        outlet.sendText(encodeServerEvent(event));
      },
      message: (envelope) => {
        if (outlet.sendFrame(wsFrameOf(envelope))) metrics.deliveries.ws += 1;
      },
    },
    onAbuse: () => ws.close(CLOSE_RATE_ABUSE, 'rate limit abuse'),
    onCommand: (type) => {
      if (type === 'send') metrics.received.ws += 1;
    },
  });
  const untrack = context.track({ transport: 'ws', drain: () => ws.close(CLOSE_DRAINING, 'node draining, reconnect elsewhere'), terminate: () => ws.terminate() });
  heartbeat.watch(ws);

  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      metrics.clientError('binary_not_supported');
      outlet.sendText(JSON.stringify({ type: 'error', code: 'binary_not_supported', message: 'send JSON in text frames' }));
      return;
    }
    void session.handleFrame(data.toString());
  });
  ws.on('error', (error) => context.logger.debug({ session: id, err: error.message }, 'websocket error'));
  ws.once('close', () => {
    // Tracked until its presence is removed, so a drain does not stop the broker under it.
    void session.close().finally(untrack);
  });
  session.welcome();
}
