import { WebSocket } from 'ws';

/** Clients of one fan-out measurement: each arriving event reports its send time (ms, this process's clock). */
export interface FanoutClients {
  close(): void;
}

type OnArrival = (sentAt: number) => void;

/** The send time in a frame, found without parsing it (the client side must cost less than the server's). */
const SENT_AT = /sentAt\\?":(\d+(?:\.\d+)?)/;
function sentAtOf(data: Buffer): number | undefined {
  const match = SENT_AT.exec(data.toString('latin1'));
  return match?.[1] === undefined ? undefined : Number(match[1]);
}

const OPEN_TIMEOUT_MS = 15_000;

function opened(ws: WebSocket, ready: (frame: Record<string, unknown>) => boolean, start: () => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('client did not get ready in time')), OPEN_TIMEOUT_MS);
    ws.once('open', start);
    ws.once('error', (error) => reject(error));
    const onMessage = (data: Buffer): void => {
      const frame = JSON.parse(data.toString('utf8')) as Record<string, unknown>;
      if (!ready(frame)) return;
      clearTimeout(timer);
      ws.off('message', onMessage);
      resolve();
    };
    ws.on('message', onMessage);
  });
}

/** `n` clients of our JSON protocol in `room`, spread over the nodes; messages carry `{"sentAt":…}` as text. */
export async function openJsonClients(urls: readonly string[], room: string, n: number, onArrival: OnArrival): Promise<FanoutClients> {
  const sockets = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const ws = new WebSocket(urls[i % urls.length] as string);
      await opened(ws, (frame) => frame.type === 'joined', () => ws.send(JSON.stringify({ type: 'join', room })));
      ws.on('message', (data: Buffer) => {
        const sentAt = sentAtOf(data);
        if (sentAt !== undefined) onArrival(sentAt);
      });
      return ws;
    }),
  );
  return { close: () => sockets.forEach((ws) => ws.terminate()) };
}

/** `n` Pusher protocol-7 clients (what pusher-js sends and reads) on `channel`, spread over the nodes. */
export async function openPusherClients(httpUrls: readonly string[], key: string, channel: string, n: number, onArrival: OnArrival): Promise<FanoutClients> {
  const sockets = await Promise.all(
    Array.from({ length: n }, async (_, i) => {
      const base = (httpUrls[i % httpUrls.length] as string).replace(/^http/, 'ws');
      const ws = new WebSocket(`${base}/app/${key}?protocol=7&client=js&version=8.4.0&flash=false`);
      const subscribeOnceConnected = (frame: Record<string, unknown>): boolean => {
        if (frame.event === 'pusher:connection_established') ws.send(JSON.stringify({ event: 'pusher:subscribe', data: { auth: '', channel } }));
        return frame.event === 'pusher_internal:subscription_succeeded';
      };
      await opened(ws, subscribeOnceConnected, () => undefined);
      ws.on('message', (data: Buffer) => {
        const sentAt = sentAtOf(data);
        if (sentAt !== undefined) onArrival(sentAt);
        else if (data.includes('pusher:ping')) ws.send('{"event":"pusher:pong","data":{}}');
      });
      return ws;
    }),
  );
  return { close: () => sockets.forEach((ws) => ws.terminate()) };
}
