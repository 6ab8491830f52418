/**
 * The peer under test: an idiomatic Socket.IO 4 chat node with @socket.io/redis-adapter.
 * Rooms are Socket.IO rooms (socket.join), messages fan out with io.to(room).emit('message', …),
 * sends are acknowledged with Socket.IO's ack callback. WebSocket transport only.
 * Env: PORT, HOST, REDIS_URL, NODE_ID. Logs `{"msg":"listening","port":N}`; GET /readyz, GET /stats.
 */
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { Server } from 'socket.io';
import { createAdapter } from '@socket.io/redis-adapter';

const ROOM = /^[A-Za-z0-9_.:-]{1,64}$/;
const MAX_TEXT = 4000;

const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const node = process.env.NODE_ID ?? `sio-${process.pid}`;
const redisUrl = process.env.REDIS_URL;
if (!redisUrl) {
  console.error('REDIS_URL is required');
  process.exit(1);
}

const pubClient = new Redis(redisUrl);
const subClient = pubClient.duplicate();
let ready = false;

const httpServer = createServer((req, res) => {
  if (req.url === '/readyz') {
    res.writeHead(ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ ready }));
  } else if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(process.memoryUsage()));
  } else if (!req.url?.startsWith('/socket.io/')) {
    res.writeHead(404).end();
  }
});

const io = new Server(httpServer, {
  transports: ['websocket'],
  serveClient: false,
  perMessageDeflate: false,
  adapter: createAdapter(pubClient, subClient),
});

interface SendPayload {
  room: string;
  text: string;
  cid?: string;
}

function isSendPayload(value: unknown): value is SendPayload {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return typeof record.room === 'string' && typeof record.text === 'string' && (record.cid === undefined || typeof record.cid === 'string');
}

type Ack = (response: unknown) => void;
const noAck: Ack = () => undefined;

io.on('connection', (socket) => {
  const nick = `guest-${socket.id.slice(0, 6)}`;
  socket.emit('welcome', { node, session: socket.id, nick });

  socket.on('join', (room: unknown, ack: unknown) => {
    const reply = typeof ack === 'function' ? (ack as Ack) : noAck;
    if (typeof room !== 'string' || !ROOM.test(room)) return reply({ error: { code: 'bad_room', message: 'invalid room name' } });
    void socket.join(room);
    reply({ room });
  });

  socket.on('leave', (room: unknown, ack: unknown) => {
    if (typeof room === 'string') void socket.leave(room);
    if (typeof ack === 'function') (ack as Ack)({ room });
  });

  socket.on('send', (payload: unknown, ack: unknown) => {
    const reply = typeof ack === 'function' ? (ack as Ack) : noAck;
    if (!isSendPayload(payload) || !socket.rooms.has(payload.room) || payload.text.length === 0 || payload.text.length > MAX_TEXT) {
      return reply({ error: { code: 'bad_send', message: 'invalid send' } });
    }
    const ts = Date.now();
    io.to(payload.room).emit('message', { room: payload.room, nick, text: payload.text, ts });
    reply({ cid: payload.cid ?? randomUUID(), room: payload.room, ts });
  });
});

Promise.all([
  new Promise<void>((resolve) => (pubClient.status === 'ready' ? resolve() : pubClient.once('ready', () => resolve()))),
  new Promise<void>((resolve) => (subClient.status === 'ready' ? resolve() : subClient.once('ready', () => resolve()))),
])
  .then(() => {
    ready = true;
  })
  .catch(() => undefined);

httpServer.listen(port, host, () => {
  const address = httpServer.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(JSON.stringify({ level: 30, msg: 'listening', port: actual, node }));
});

function shutdown(): void {
  void io.close();
  pubClient.disconnect();
  subClient.disconnect();
  setTimeout(() => process.exit(0), 200).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
