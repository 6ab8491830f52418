import { formatNotice } from '@chat/protocol';
import { TokenLease } from '../auth/token-lease.js';
import type { GatewayContext } from '../context.js';
import { wsLineFrameOf } from './frame-cache.js';
import type { IdleTicker } from './idle-ticker.js';
import { LineSession } from './line-session.js';
import { closeFor, type WsAttachment } from './ws-json.js';
import { WsOutlet } from './ws-outlet.js';
import { strictTextOf, textOf } from './ws-text.js';

/** Serves the seed line protocol (DESIGN 2.4) on one WebSocket, in room `lobby`. */
export function serveLineSocket(context: GatewayContext, ticker: IdleTicker, { ws, socket, coalescer, heartbeat, identity }: WsAttachment): void {
  const { metrics } = context;
  const outlet = new WsOutlet(ws, socket, coalescer, context.config.sendBufferBytes, () => {
    metrics.slowConsumers.ws_line += 1;
  });
  const session = new LineSession(context, 'ws_line', {
    line: (text) => outlet.sendText(text),
    message: (envelope) => {
      if (outlet.sendFrame(wsLineFrameOf(envelope))) metrics.deliveries.ws_line += 1;
    },
    abuse: () => closeFor(ws, 'rate_abuse'),
  }, identity);
  const untrack = context.track({ transport: 'ws_line', drain: () => closeFor(ws, 'draining'), terminate: () => ws.terminate() });
  const unwatchIdle = ticker.add(session);
  const lease = new TokenLease(identity, (token) => context.authenticate(token), () => closeFor(ws, 'token_expired'));
  heartbeat.watch(ws);
  ws.on('message', (data, isBinary) => {
    const line = isBinary ? strictTextOf(data) : textOf(data);
    if (line !== undefined) return void session.handleLine(line);
    metrics.clientError('bad_request');
    outlet.sendText(formatNotice('bad_request: frame is not valid UTF-8'));
  });
  ws.on('error', () => undefined);
  ws.once('close', () => {
    lease.stop();
    unwatchIdle();
    // Tracked until its presence is removed, so a drain does not stop the broker under it.
    void session.close().finally(untrack);
  });
  void session.start();
}
