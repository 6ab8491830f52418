import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { WebSocket } from 'ws';
import { Collector, textOf } from '@chat/testkit';
import type { WsInput } from './arbitraries.js';
import type { HttpReply } from './invariants.js';

/**
 * A fuzzing WebSocket: sends a batch of inputs back to back, then a sentinel, and waits for the
 * sentinel's answer; every frame received is handed to `onFrame`. A close is reported, not thrown.
 */
export class FuzzSocket {
  private readonly received = new Collector<string>();
  readonly closed: Promise<{ code: number; reason: string }>;
  private isClosed = false;

  private constructor(private readonly socket: WebSocket) {
    socket.on('message', (data) => this.received.push(textOf(data)));
    socket.on('error', () => undefined);
    this.closed = new Promise((resolve) =>
      socket.once('close', (code, reason) => {
        this.isClosed = true;
        this.received.push('');
        resolve({ code, reason: reason.toString() });
      }),
    );
  }

  static async open(url: string): Promise<FuzzSocket> {
    const socket = new WebSocket(url, { perMessageDeflate: false, maxPayload: 64 * 1024 * 1024 });
    const fuzz = new FuzzSocket(socket);
    await once(socket, 'open');
    return fuzz;
  }

  get open(): boolean {
    return !this.isClosed;
  }

  /** Frames received since the last call. */
  take(): string[] {
    return this.received.items.splice(0).filter((item) => item !== '');
  }

  /** Sends `inputs` and then `sentinel`; resolves when a frame satisfies `isAnswer` or the socket closed. */
  async batch(inputs: readonly WsInput[], sentinel: string, isAnswer: (frame: string) => boolean, timeoutMs = 10_000): Promise<string[]> {
    const frames: string[] = [];
    for (const input of inputs) {
      if (typeof input === 'string') this.socket.send(input);
      else this.socket.send(input.binary, { binary: true });
    }
    this.socket.send(sentinel);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      frames.push(...this.take());
      if (frames.some(isAnswer) || this.isClosed) return frames;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no answer to the sentinel within ${timeoutMs} ms after ${inputs.length} inputs; last frames ${JSON.stringify(frames.slice(-3)).slice(0, 300)}`);
      await this.received.waitFor((items) => items.length > 0, { timeoutMs: left, what: 'a frame' }).catch(() => undefined);
    }
  }

  /** Sends raw bytes as one text frame (e.g. invalid UTF-8). */
  sendTextBytes(bytes: Buffer): void {
    this.socket.send(bytes, { binary: false });
  }

  async close(): Promise<void> {
    if (this.isClosed) return;
    this.socket.terminate();
    await this.closed;
  }
}

/** A fuzzing TCP line client: writes raw chunks and collects `\n`-separated lines. */
export class FuzzTcp {
  private readonly lines = new Collector<string>();
  private pending = '';
  readonly ended: Promise<void>;

  private constructor(private readonly socket: Socket) {
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      this.pending += chunk;
      const parts = this.pending.split('\n');
      this.pending = parts.pop() ?? '';
      for (const line of parts) this.lines.push(line.replace(/\r$/, ''));
    });
    socket.on('error', () => undefined);
    this.ended = new Promise((resolve) => socket.once('close', () => resolve()));
  }

  static async open(port: number): Promise<FuzzTcp> {
    const socket = connect({ port, host: '127.0.0.1' });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('error', reject);
    });
    return new FuzzTcp(socket);
  }

  /** Writes `payload` then a sentinel line and resolves with every line up to the sentinel's echo. */
  async batch(payload: string, sentinel: string, timeoutMs = 10_000): Promise<string[]> {
    this.socket.write(`${payload}\n${sentinel}\n`);
    const echo = `status ! received '${sentinel}'`;
    await this.lines.waitFor((lines) => lines.includes(echo), { timeoutMs, what: `echo of ${sentinel}` });
    const index = this.lines.items.indexOf(echo);
    return this.lines.items.splice(0, index + 1);
  }

  async close(): Promise<void> {
    this.socket.destroy();
    await this.ended;
  }
}

export interface FuzzRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** For streams: stop reading (and drop the connection) once this holds. */
  readonly until?: (body: string) => boolean;
}

/** HTTP over a few keep-alive connections (streams get their own), for many requests quickly. */
export class FuzzHttp {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });

  constructor(private readonly port: number) {}

  send({ method = 'GET', path, headers = {}, body, until }: FuzzRequest, timeoutMs = 10_000): Promise<HttpReply> {
    return new Promise((resolve, reject) => {
      // Always frame the body: without Content-Length a DELETE's body would be read as the next request.
      const framed = body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) };
      const outgoing = request({ host: '127.0.0.1', port: this.port, method, path, headers: framed, agent: until ? false : this.agent });
      const timer = setTimeout(() => {
        outgoing.destroy();
        reject(new Error(`${method} ${path.slice(0, 200)}: no complete answer within ${timeoutMs} ms`));
      }, timeoutMs);
      outgoing.on('error', (error) => {
        clearTimeout(timer);
        reject(new Error(`${method} ${path.slice(0, 200)}: ${error.message}`));
      });
      outgoing.on('response', (response) => {
        const chunks: Buffer[] = [];
        let done = false;
        const finish = (): void => {
          if (done) return;
          done = true;
          clearTimeout(timer);
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks).toString('utf8') });
        };
        response.on('data', (chunk: Buffer) => {
          chunks.push(chunk);
          if (until?.(Buffer.concat(chunks).toString('utf8'))) {
            finish();
            outgoing.destroy();
          }
        });
        response.on('end', finish);
        response.on('error', () => undefined);
      });
      outgoing.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
export async function pooled<T>(items: readonly T[], concurrency: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(concurrency, items.length) }, async () => {
      while (next < items.length) {
        const item = items[next++]!;
        await work(item);
      }
    }),
  );
}
