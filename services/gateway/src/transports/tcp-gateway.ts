import { createServer, type Server, type Socket } from 'node:net';
import { type MessageEnvelope } from '@chat/core';
import { ChatError, DISCONNECTS, formatNotice } from '@chat/protocol';
import { admitSocket } from '../admission.js';
import { ANONYMOUS, type Identity } from '../auth/identity.js';
import { TokenLease } from '../auth/token-lease.js';
import type { GatewayContext } from '../context.js';
import type { IdleTicker } from './idle-ticker.js';
import { LineReader } from './line-reader.js';
import { LineSession } from './line-session.js';

const AUTH_PREFIX = 'auth ! ';
const AUTH_TIMEOUT_MS = 10_000;
const MAX_LINES_WHILE_AUTHENTICATING = 64;

/** Tells a connection why it is refused and closes it, reading (and dropping) whatever it sends meanwhile. */
function refuse(socket: Socket, notice: string): void {
  socket.resume();
  socket.end(`${formatNotice(notice)}\n`, () => socket.destroy());
}

const lineBuffers = new WeakMap<MessageEnvelope, Buffer>();

function lineBufferOf(envelope: MessageEnvelope): Buffer {
  let buffer = lineBuffers.get(envelope);
  if (!buffer) lineBuffers.set(envelope, (buffer = Buffer.from(`${envelope.line}\n`)));
  return buffer;
}

/** The seed's TCP acceptor pool: newline-delimited line protocol in `lobby`, bounded connections. */
export class TcpGateway {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly context: GatewayContext,
    private readonly ticker: IdleTicker,
  ) {
    this.server = createServer((socket) => this.accept(socket));
  }

  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : port);
      });
    });
  }

  /** Stops accepting; resolves once every client is gone (the node's drain tells and, at its deadline, cuts them). */
  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const { config, metrics } = this.context;
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    if (this.sockets.size >= config.tcpMaxConnections) {
      metrics.limitViolation('tcp_connections');
      return refuse(socket, 'busy');
    }
    let release: () => void;
    try {
      release = admitSocket(this.context, socket.remoteAddress ?? 'unknown');
    } catch (error) {
      return refuse(socket, error instanceof ChatError && error.code === 'draining' ? 'draining' : error instanceof Error ? error.message : 'refused');
    }
    this.sockets.add(socket);
    const send = (chunk: string | Buffer): boolean => {
      if (socket.destroyed) return false;
      socket.write(chunk);
      if (socket.writableLength > config.sendBufferBytes) {
        metrics.slowConsumers.tcp += 1;
        socket.destroy();
        return false;
      }
      return true;
    };
    let session: LineSession | undefined;
    let unwatchIdle = (): void => undefined;
    const open = (identity: Identity): LineSession => {
      const opened = new LineSession(this.context, 'tcp', {
        line: (text) => send(`${text}\n`),
        message: (envelope) => {
          if (send(lineBufferOf(envelope))) metrics.deliveries.tcp += 1;
        },
        abuse: () => socket.end(`${formatNotice(`disconnected: ${DISCONNECTS.rate_abuse.reason}`)}\n`, () => socket.destroy()),
      }, identity);
      session = opened;
      const lease = new TokenLease(identity, (token) => this.context.authenticate(token), () => {
        socket.end(`${formatNotice(`disconnected: ${DISCONNECTS.token_expired.reason}`)}\n`, () => socket.destroy());
      });
      socket.once('close', () => lease.stop());
      unwatchIdle = this.ticker.add(opened);
      void opened.start();
      return opened;
    };
    // With AUTH_SECRET the first line must be `auth ! <token>`: TCP has no headers to carry it.
    // Lines that arrive while the token is being verified wait for the session.
    let waiting: string[] | undefined;
    const authenticate = (line: string): void => {
      if (waiting) {
        if (waiting.length < MAX_LINES_WHILE_AUTHENTICATING) waiting.push(line);
        return;
      }
      waiting = [];
      const token = line.startsWith(AUTH_PREFIX) ? line.slice(AUTH_PREFIX.length).trim() : undefined;
      const identity = token === undefined ? Promise.reject(new ChatError('unauthorized', `send '${AUTH_PREFIX}<token>' first`)) : this.context.authenticate(token);
      identity.then(
        (verified) => {
          if (socket.destroyed) return;
          const opened = open(verified);
          for (const early of waiting ?? []) void opened.handleLine(early);
          waiting = undefined;
        },
        (error: unknown) => {
          metrics.clientError('unauthorized');
          socket.end(`${formatNotice(`unauthorized: ${error instanceof ChatError ? error.message : 'bad token'}`)}\n`);
        },
      );
    };
    const untrack = this.context.track({ transport: 'tcp', drain: () => socket.end(`${formatNotice(DISCONNECTS.draining.reason)}\n`), terminate: () => socket.destroy() });
    const tooLong = (): void => {
      metrics.limitViolation('line_length');
      send(`${formatNotice(`line too long (max ${config.maxLineBytes} bytes)`)}\n`);
    };
    const reader = new LineReader(config.maxLineBytes, {
      line: (line) => {
        if (session) void session.handleLine(line);
        else if (this.context.authRequired) authenticate(line);
      },
      tooLong,
      notUtf8: () => {
        metrics.clientError('bad_request');
        send(`${formatNotice('bad_request: line is not valid UTF-8')}\n`);
      },
    });
    socket.on('data', (chunk: Buffer) => reader.push(chunk));
    socket.once('close', () => {
      this.sockets.delete(socket);
      release();
      unwatchIdle();
      // Tracked until its presence is removed, so a drain does not stop the broker under it.
      void (session?.close() ?? Promise.resolve()).finally(untrack);
    });
    if (!this.context.authRequired) open(ANONYMOUS);
    else {
      const authTimer = setTimeout(() => {
        if (!session) socket.end(`${formatNotice(`unauthorized: send '${AUTH_PREFIX}<token>' within ${AUTH_TIMEOUT_MS / 1000} s`)}\n`, () => socket.destroy());
      }, AUTH_TIMEOUT_MS);
      authTimer.unref();
      socket.once('close', () => clearTimeout(authTimer));
    }
  }
}
