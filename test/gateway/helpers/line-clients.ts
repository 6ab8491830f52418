import { once } from 'node:events';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { Collector, withTimeout, textOf } from '@chat/testkit';
import { closePolitely } from './ws-close.js';

/** What both line-protocol clients share: every line received, in order, and waits on them. */
export abstract class LineClient {
  readonly lines = new Collector<string>();

  abstract send(line: string): void;
  abstract close(): Promise<void>;
  abstract get isOpen(): boolean;

  /** The index the next line will have: pass it as `from` to wait only for later lines. */
  mark(): number {
    return this.lines.items.length;
  }

  /** The first line at or after `from` equal to `expected` or matching it. */
  async waitForLine(expected: string | RegExp | ((line: string) => boolean), { from = 0, timeoutMs = 10_000 } = {}): Promise<string> {
    const matches =
      typeof expected === 'string' ? (line: string) => line === expected : expected instanceof RegExp ? (line: string) => expected.test(line) : expected;
    const find = (items: readonly string[]): string | undefined => items.slice(from).find(matches);
    const items = await this.lines.waitFor((all) => find(all) !== undefined, { timeoutMs, what: `line ${String(expected)}` });
    return find(items)!;
  }

  /** The `output ! …` lines received so far. */
  outputs(): string[] {
    return this.lines.items.filter((line) => line.startsWith('output ! '));
  }
}

/** The seed line protocol over a WebSocket (`/ws/line`): one line per text frame. */
export class WsLineClient extends LineClient {
  readonly closed: Promise<{ code: number; reason: string }>;

  private constructor(readonly socket: WebSocket) {
    super();
    socket.on('message', (data) => this.lines.push(textOf(data)));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) => socket.once('close', (code, reason) => resolve({ code, reason: reason.toString() })));
  }

  static async connect(base: string): Promise<WsLineClient> {
    const socket = new WebSocket(`${base}/ws/line`, { perMessageDeflate: false });
    const client = new WsLineClient(socket);
    await once(socket, 'open');
    return client;
  }

  get isOpen(): boolean {
    return this.socket.readyState === WebSocket.OPEN;
  }

  send(line: string): void {
    this.socket.send(line);
  }

  close(): Promise<void> {
    return closePolitely(this.socket, this.closed);
  }
}

/** The seed line protocol over raw TCP: `\n`-terminated lines. */
export class TcpLineClient extends LineClient {
  /** Resolves when the server ended or the socket closed. */
  readonly ended: Promise<void>;
  private pending = '';
  private closedFlag = false;

  private constructor(readonly socket: Socket) {
    super();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.pending += chunk;
      let newline = this.pending.indexOf('\n');
      while (newline !== -1) {
        this.lines.push(this.pending.slice(0, newline).replace(/\r$/, ''));
        this.pending = this.pending.slice(newline + 1);
        newline = this.pending.indexOf('\n');
      }
    });
    socket.on('error', () => undefined);
    this.ended = new Promise((resolve) =>
      socket.once('close', () => {
        this.closedFlag = true;
        resolve();
      }),
    );
  }

  static async connect(port: number, host = '127.0.0.1'): Promise<TcpLineClient> {
    const socket = connect({ port, host });
    const client = new TcpLineClient(socket);
    await once(socket, 'connect');
    return client;
  }

  get isOpen(): boolean {
    return !this.closedFlag && !this.socket.destroyed;
  }

  send(line: string): void {
    this.socket.write(`${line}\n`);
  }

  /** Writes raw bytes (no newline added). */
  write(data: string | Buffer): void {
    this.socket.write(data);
  }

  /** Waits until the server closes the connection. */
  waitForEnd(timeoutMs = 10_000): Promise<void> {
    return withTimeout(this.ended, timeoutMs, 'TCP connection still open');
  }

  async close(): Promise<void> {
    if (this.closedFlag) return;
    this.socket.destroy();
    await this.ended;
  }
}
