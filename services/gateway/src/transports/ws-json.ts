import type { Socket } from 'node:net';
import { DISCONNECTS, encodeServerEvent } from '@chat/protocol';
import type { WebSocket } from 'ws';
import type { Identity } from '../auth/identity.js';
import { TokenLease } from '../auth/token-lease.js';
import type { GatewayContext } from '../context.js';
import { openChatSession } from '../session-factory.js';
import { AckHold, type AckHoldSweeper } from './ack-hold.js';
import { wsEventFrameOf, wsFrameOf } from './frame-cache.js';
import { encodeTextFrame } from './ws-frame.js';
import type { WsHeartbeat } from './ws-heartbeat.js';
import { WsOutlet } from './ws-outlet.js';
import { textOf } from './ws-text.js';
import type { WriteCoalescer } from './write-coalescer.js';

export interface WsAttachment {
  readonly ws: WebSocket;
  readonly socket: Socket;
  readonly coalescer: WriteCoalescer;
  readonly ackSweeper: AckHoldSweeper;
  readonly heartbeat: WsHeartbeat;
  readonly identity: Identity;
  readonly nick?: string;
  /** A `?nick=` that is no valid nick: the client keeps a guest nick and is told why after `welcome`. */
  readonly refusedNick?: boolean;
}

/** Closes a WebSocket for one of the protocol's disconnect causes. */
export function closeFor(ws: WebSocket, cause: keyof typeof DISCONNECTS): void {
  const { closeCode, reason } = DISCONNECTS[cause];
  ws.close(closeCode, reason);
}

/** Serves the JSON protocol (DESIGN 2.3) on one WebSocket. */
export function serveJsonSocket(context: GatewayContext, { ws, socket, coalescer, ackSweeper, heartbeat, identity, nick, refusedNick }: WsAttachment): void {
  const { metrics, config } = context;
  const lease = new TokenLease(identity, (token) => context.authenticate(token), () => closeFor(ws, 'token_expired'));
  // Made at the first join: a connection that joins nothing pays nothing for it.
  let acks: AckHold | undefined;
  // Made here, not in the event handler: a closure made there would share its context, and keep
  // alive the `joined` event (history page and member list) for as long as the connection lives.
  const sendFrame = (frame: Buffer): boolean => outlet.sendFrame(frame);
  const session = openChatSession(context, {
    transport: 'ws',
    identity,
    nick,
    output: {
      event: (event) => {
        if (event.type === 'ack' && acks?.offer(event, () => encodeTextFrame(encodeServerEvent(event)))) return;
        outlet.sendFrame(wsEventFrameOf(event));
        if (event.type === 'joined') (acks ??= new AckHold(sendFrame, ackSweeper)).joined(event.room, event);
        else if (event.type === 'left') acks?.left(event.room);
      },
      message: (envelope) => {
        // The sender's own copy and the acks it releases leave as one buffer: one write, not two.
        const frame = wsFrameOf(envelope);
        const acksDue = acks?.dueWith(envelope.message);
        if (!outlet.sendFrame(acksDue ? Buffer.concat([frame, ...acksDue]) : frame)) return;
        metrics.deliveries.ws += 1;
      },
    },
    onAbuse: () => closeFor(ws, 'rate_abuse'),
    heartbeatMs: config.wsHeartbeatMs,
    refreshToken: lease.refresh,
  });
  const outlet = new WsOutlet(ws, socket, coalescer.withWindow(config.writeBatchMs), config.sendBufferBytes, () => {
    metrics.slowConsumers.ws += 1;
    context.logger.warn({ session: session.id }, 'slow consumer disconnected');
  });
  const untrack = context.track({ transport: 'ws', drain: () => closeFor(ws, 'draining'), terminate: () => ws.terminate() });
  // Browsers never show pings to the page: JSON sockets also get a heartbeat frame the client can see.
  heartbeat.watch(ws, socket);

  ws.on('message', (data, isBinary) => {
    if (isBinary) {
      metrics.clientError('binary_not_supported');
      outlet.sendText(JSON.stringify({ type: 'error', code: 'binary_not_supported', message: 'send JSON in text frames' }));
      return;
    }
    void session.handleFrame(textOf(data));
  });
  ws.on('error', (error) => context.logger.debug({ session: session.id, err: error.message }, 'websocket error'));
  ws.once('close', () => {
    lease.stop();
    acks?.close();
    // Tracked until its presence is removed, so a drain does not stop the broker under it.
    void session.close().finally(untrack);
  });
  session.welcome();
  if (refusedNick) {
    metrics.clientError('invalid_nick');
    outlet.sendFrame(wsEventFrameOf({ type: 'error', code: 'invalid_nick', message: `?nick= must be 1-32 characters without control characters; you are ${session.nick}` }));
  }
}
