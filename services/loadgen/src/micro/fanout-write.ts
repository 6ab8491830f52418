/**
 * `tsx services/loadgen/src/micro/fanout-write.ts [--members=250] [--messages=200] [--pace-ms=20]`
 * The per-delivery cost of one broadcast write path, isolated: one process holds `members` real
 * loopback WebSockets (the readers live in a child process) and sends each message, paced so each
 * is its own event-loop turn, through several write strategies. Prints CPU µs (user + system) per
 * delivery for each; run it a few times, the machine is shared.
 */
import { fork } from 'node:child_process';
import { createServer } from 'node:http';
import type { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { WebSocket, WebSocketServer } from 'ws';

const arg = (name: string, fallback: number): number => Number(process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1] ?? fallback);

function frameOf(text: string): Buffer {
  const payload = Buffer.from(text);
  const header = payload.length < 126 ? Buffer.from([0x81, payload.length]) : Buffer.from([0x81, 126, payload.length >> 8, payload.length & 255]);
  return Buffer.concat([header, payload]);
}

type Strategy = (members: readonly { ws: WebSocket; socket: Socket }[], payload: Buffer, frame: Buffer) => void;

const corked = new Set<Socket>();
let scheduled = false;
const flushCorked = (): void => {
  scheduled = false;
  const sockets = [...corked];
  corked.clear();
  for (const socket of sockets) socket.uncork();
};

const STRATEGIES: Record<string, Strategy> = {
  /** The ceiling: ws.send of the same bytes per member (ws frames and corks each send itself). */
  'ws.send': (members, payload) => {
    for (const { ws } of members) ws.send(payload, { binary: false });
  },
  /** Pre-framed, corked per turn, uncorked in setImmediate (the coalescer before this change). */
  'cork per turn': (members, _payload, frame) => {
    for (const { socket } of members) {
      if (!corked.has(socket)) {
        socket.cork();
        corked.add(socket);
      }
      socket.write(frame);
    }
    if (!scheduled) {
      scheduled = true;
      setImmediate(flushCorked);
    }
  },
  /** Pre-framed, straight to the socket. */
  'direct write': (members, _payload, frame) => {
    for (const { socket } of members) socket.write(frame);
  },
};

async function main(): Promise<void> {
  const members = arg('members', 250);
  const messages = arg('messages', 200);
  const paceMs = arg('pace-ms', 20);
  const http = createServer();
  const wss = new WebSocketServer({ server: http, perMessageDeflate: false, clientTracking: false });
  const accepted: { ws: WebSocket; socket: Socket }[] = [];
  wss.on('connection', (ws, request) => {
    accepted.push({ ws, socket: request.socket });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  const address = http.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  const reader = fork(fileURLToPath(import.meta.url), [`ws://127.0.0.1:${port}`, String(members), '--reader'], { execArgv: ['--import', 'tsx'] });
  await new Promise<void>((resolve) => reader.once('message', () => resolve()));
  const text = `{"type":"message","room":"paced","epoch":"abcd1234","offset":1,"nick":"guest-1","text":"t=${Date.now()}.123","ts":${Date.now()}}`;
  const payload = Buffer.from(text);
  const frame = frameOf(text);
  const rounds = arg('rounds', 3);
  const results = new Map<string, number[]>();
  for (let round = 0; round < rounds; round++) {
    for (const [name, strategy] of Object.entries(STRATEGIES)) {
      const before = process.cpuUsage();
      for (let i = 0; i < messages; i++) {
        strategy(accepted, payload, frame);
        await new Promise((resolve) => setTimeout(resolve, paceMs));
      }
      const used = process.cpuUsage(before);
      const perDelivery = (used.user + used.system) / (messages * accepted.length);
      results.set(name, [...(results.get(name) ?? []), perDelivery]);
    }
  }
  for (const [name, values] of results) process.stdout.write(`${name.padEnd(16)} ${values.map((v) => v.toFixed(2)).join(' / ')} µs CPU per delivery (incl. ${paceMs} ms timer per message)\n`);
  reader.kill();
  http.close();
  process.exit(0);
}

if (process.argv.includes('--reader')) {
  // Child: open the sockets and count bytes; no parsing, so the readers cost little.
  const [url, count] = [process.argv[2] ?? '', Number(process.argv[3])];
  let open = 0;
  for (let i = 0; i < count; i++) {
    const ws = new WebSocket(url, { perMessageDeflate: false });
    ws.on('open', () => {
      if (++open === count) process.send?.('ready');
    });
    ws.on('message', () => undefined);
    ws.on('error', () => undefined);
  }
  process.on('disconnect', () => process.exit(0));
} else {
  void main();
}
