import { createServer, type Server, type Socket } from 'node:net';
import { formatNotice, type MessageEnvelope } from '@chat/core';
import type { GatewayContext } from '../context.js';
import type { IdleTicker } from './idle-ticker.js';
import { LineSession } from './line-session.js';

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

  /** Stops accepting and tells every client to reconnect elsewhere. */
  close(): Promise<void> {
    for (const socket of this.sockets) socket.end(`${formatNotice('node draining, reconnect elsewhere')}\n`);
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const { config, metrics } = this.context;
    socket.on('error', () => undefined);
    socket.setNoDelay(true);
    if (this.context.draining || this.sockets.size >= config.tcpMaxConnections) {
      metrics.limitViolation('tcp_connections');
      socket.end(`${formatNotice(this.context.draining ? 'draining' : 'busy')}\n`);
      return;
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
    const session = new LineSession(this.context, 'tcp', {
      line: (text) => send(`${text}\n`),
      message: (envelope) => {
        if (send(lineBufferOf(envelope))) metrics.deliveries.tcp += 1;
      },
    });
    const untrack = this.context.track({ transport: 'tcp', drain: () => socket.end(`${formatNotice('node draining, reconnect elsewhere')}\n`) });
    const unwatchIdle = this.ticker.add(session);
    let pending = '';
    let discarding = false;
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf('\n');
      while (newline !== -1) {
        const line = pending.slice(0, newline).replace(/\r$/, '');
        pending = pending.slice(newline + 1);
        if (discarding) discarding = false;
        else if (Buffer.byteLength(line) > config.maxLineBytes) tooLong();
        else void session.handleLine(line);
        newline = pending.indexOf('\n');
      }
      if (!discarding && Buffer.byteLength(pending) > config.maxLineBytes) {
        discarding = true;
        tooLong();
      }
      if (discarding) pending = '';
    });
    const tooLong = (): void => {
      metrics.limitViolation('line_length');
      send(`${formatNotice(`line too long (max ${config.maxLineBytes} bytes)`)}\n`);
    };
    socket.once('close', () => {
      this.sockets.delete(socket);
      untrack();
      unwatchIdle();
      void session.close();
    });
    void session.start();
  }
}
