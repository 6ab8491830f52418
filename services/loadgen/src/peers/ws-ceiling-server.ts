/**
 * The ceiling: a bare `ws` server in one process, no Redis. Speaks the JSON frames of DESIGN 2.3
 * (welcome, join → joined, send → ack + message to every member), encodes each message once
 * and hands the same buffer to a plain per-member `ws.send`: the baseline our gateway must beat.
 * Env: PORT, HOST. Logs `{"msg":"listening","port":N}`; GET /readyz, GET /stats.
 */
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { textOf } from '@chat/testkit';
import { WebSocketServer, type WebSocket } from 'ws';

const ROOM = /^[A-Za-z0-9_.:-]{1,64}$/;
const port = Number(process.env.PORT ?? 0);
const host = process.env.HOST ?? '127.0.0.1';
const epoch = randomUUID().slice(0, 8);

interface Room {
  readonly members: Set<WebSocket>;
  offset: number;
}
const rooms = new Map<string, Room>();

const httpServer = createServer((req, res) => {
  if (req.url === '/readyz' || req.url === '/healthz') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ready":true}');
  } else if (req.url === '/stats') {
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(process.memoryUsage()));
  } else {
    res.writeHead(404).end();
  }
});
const wss = new WebSocketServer({ server: httpServer, path: '/ws', perMessageDeflate: false, clientTracking: false });

function sendJson(ws: WebSocket, value: object): void {
  ws.send(JSON.stringify(value));
}

function roomOf(name: string): Room {
  let room = rooms.get(name);
  if (!room) {
    room = { members: new Set(), offset: 0 };
    rooms.set(name, room);
  }
  return room;
}

let sessions = 0;
wss.on('connection', (ws) => {
  const session = (++sessions).toString(36);
  const nick = `guest-${session}`;
  const joined = new Set<string>();
  sendJson(ws, { type: 'welcome', node: 'ceiling', session, nick });

  ws.on('message', (data, isBinary) => {
    if (isBinary) return;
    let frame: unknown;
    try {
      frame = JSON.parse(textOf(data));
    } catch {
      return sendJson(ws, { type: 'error', code: 'bad_json', message: 'invalid JSON' });
    }
    if (typeof frame !== 'object' || frame === null) return sendJson(ws, { type: 'error', code: 'bad_frame', message: 'not an object' });
    const { type, room: name, text, cid } = frame as Record<string, unknown>;
    if (type === 'ping') return sendJson(ws, { type: 'pong' });
    if (typeof name !== 'string' || !ROOM.test(name)) return sendJson(ws, { type: 'error', code: 'bad_room', message: 'invalid room' });
    if (type === 'join') {
      const room = roomOf(name);
      room.members.add(ws);
      joined.add(name);
      return sendJson(ws, { type: 'joined', room: name, epoch, offset: room.offset, recovered: true, messages: [], presence: [] });
    }
    if (type === 'send' && typeof text === 'string' && joined.has(name)) {
      const room = roomOf(name);
      const offset = ++room.offset;
      const ts = Date.now();
      // Encoded once; every member gets the same bytes through a plain ws.send.
      const payload = Buffer.from(JSON.stringify({ type: 'message', room: name, epoch, offset, nick, text, ts }));
      sendJson(ws, { type: 'ack', cid: typeof cid === 'string' ? cid : null, room: name, epoch, offset, ts });
      for (const member of room.members) member.send(payload, { binary: false });
      return;
    }
    sendJson(ws, { type: 'error', code: 'bad_type', message: 'unknown type' });
  });

  ws.on('close', () => {
    for (const name of joined) {
      const room = rooms.get(name);
      room?.members.delete(ws);
      if (room && room.members.size === 0) rooms.delete(name);
    }
  });
  ws.on('error', () => undefined);
});

httpServer.listen(port, host, () => {
  const address = httpServer.address();
  const actual = typeof address === 'object' && address ? address.port : port;
  console.log(JSON.stringify({ level: 30, msg: 'listening', port: actual }));
});

function shutdown(): void {
  httpServer.close();
  setTimeout(() => process.exit(0), 100).unref();
}
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
