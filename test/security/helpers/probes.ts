import { request, type IncomingHttpHeaders } from 'node:http';
import { WebSocket } from 'ws';
import { JsonWsClient } from '../../gateway/helpers/json-ws-client.js';
import { WsLineClient } from '../../gateway/helpers/line-clients.js';
import type { TestNode } from '../../gateway/helpers/gateway-nodes.js';
import { Collector, textOf } from '@chat/testkit';

/** How a WebSocket attempt ended: refused at the upgrade (`status`), or opened and later closed. */
export interface WsOutcome {
  /** HTTP status when the upgrade itself was refused. */
  readonly status?: number;
  readonly body?: string;
  readonly close?: { readonly code: number; readonly reason: string };
  /** Text frames received before the end. */
  readonly frames: readonly string[];
}

export interface ProbeOptions {
  readonly headers?: Readonly<Record<string, string>>;
  readonly origin?: string;
  /** Source address of the connection (any 127.x.y.z works on Linux loopback). */
  readonly localAddress?: string;
  readonly timeoutMs?: number;
  /** Resolve (and close) as soon as this many frames arrived: an accepted connection. */
  readonly frameCount?: number;
}

/**
 * A WebSocket an attacker opens: resolves with how the server ended it. Frames sent after
 * `open` are `send`. Fails when the connection is still open after `timeoutMs`.
 */
export function probeWs(url: string, { headers = {}, origin, localAddress, timeoutMs = 5000, frameCount }: ProbeOptions = {}, send: readonly (string | Buffer)[] = []): Promise<WsOutcome> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, {
      perMessageDeflate: false,
      headers,
      ...(origin === undefined ? {} : { origin }),
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    const frames: string[] = [];
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`${url}: still open after ${timeoutMs} ms; frames ${JSON.stringify(frames).slice(0, 300)}`));
    }, timeoutMs);
    socket.on('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => (body += chunk));
      response.on('end', () => {
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, body, frames });
      });
    });
    socket.on('open', () => {
      for (const data of send) socket.send(data, { binary: false });
    });
    socket.on('message', (data) => {
      frames.push(textOf(data));
      if (frames.length === frameCount) {
        clearTimeout(timer);
        resolve({ frames });
        socket.terminate();
      }
    });
    socket.on('error', () => undefined);
    socket.on('close', (code, reason) => {
      clearTimeout(timer);
      resolve({ close: { code, reason: reason.toString() }, frames });
    });
  });
}

/** A WebSocket held open by an attacker (e.g. to use up a connection limit) until `close()`. */
export async function holdWs(url: string, options: ProbeOptions = {}): Promise<{ close(): Promise<void> }> {
  const socket = new WebSocket(url, {
    perMessageDeflate: false,
    ...(options.origin === undefined ? {} : { origin: options.origin }),
    ...(options.localAddress === undefined ? {} : { localAddress: options.localAddress }),
  });
  socket.on('error', () => undefined);
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('unexpected-response', (_request, response) => reject(new Error(`upgrade refused with ${response.statusCode}`)));
    socket.once('error', reject);
  });
  return {
    close: async () => {
      socket.close(1000);
      await closed;
    },
  };
}

/** `/ws` and `/ws/line` URLs with a token in the query string. */
export const wsUrl = (node: TestNode, path: '/ws' | '/ws/line', token?: string): string =>
  `${node.ws}${path}${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;

/**
 * The shared JSON client with `?token=`: its `connect` appends `/ws` to the base, so the base
 * ends in a throwaway parameter that swallows it.
 */
export function connectJsonWithToken(node: TestNode, token: string): Promise<JsonWsClient> {
  return JsonWsClient.connect(`${node.ws}/ws?token=${encodeURIComponent(token)}&path=`);
}

/** The shared `/ws/line` client with `?token=` (same trick as `connectJsonWithToken`). */
export function connectLineWithToken(node: TestNode, token: string): Promise<WsLineClient> {
  return WsLineClient.connect(`${node.ws}/ws/line?token=${encodeURIComponent(token)}&path=`);
}

/** An HTTP answer read in full (or, for a stream, up to `until`). */
export interface HttpAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
}

export interface HttpOptions extends ProbeOptions {
  readonly method?: string;
  readonly body?: string | Buffer;
  /** For streams: resolve (and hang up) once the body read so far satisfies this. */
  readonly until?: (body: string) => boolean;
}

/**
 * One HTTP request with full control of headers and source address (fetch cannot set either);
 * a stream is cut once `until` holds, so SSE answers can be checked and released.
 */
export function httpRequest(node: TestNode, path: string, { method = 'GET', headers = {}, body, localAddress, until, timeoutMs = 5000 }: HttpOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({
      host: '127.0.0.1',
      port: node.port,
      path,
      method,
      headers: { connection: 'close', ...headers },
      agent: false,
      ...(localAddress === undefined ? {} : { localAddress }),
    });
    const timer = setTimeout(() => {
      outgoing.destroy();
      reject(new Error(`${method} ${path}: no complete answer within ${timeoutMs} ms`));
    }, timeoutMs);
    outgoing.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    outgoing.on('response', (response) => {
      let text = '';
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: text });
        response.destroy();
      };
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
        if (until?.(text)) finish();
      });
      response.on('end', finish);
      response.on('close', finish);
    });
    outgoing.end(body);
  });
}

/** An SSE stream held open by an attacker until `close()`; `status` is the answer's status. */
export function holdStream(node: TestNode, path: string, { localAddress, headers = {} }: ProbeOptions = {}): Promise<{ status: number; body: Collector<string>; close(): void }> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: '127.0.0.1', port: node.port, path, headers, agent: false, ...(localAddress === undefined ? {} : { localAddress }) });
    outgoing.on('error', reject);
    outgoing.on('response', (response) => {
      const body = new Collector<string>();
      response.setEncoding('utf8');
      response.on('data', body.push);
      response.on('error', () => undefined);
      resolve({ status: response.statusCode ?? 0, body, close: () => outgoing.destroy() });
    });
    outgoing.end();
  });
}

/** Parses a JSON error body `{error:{code,message}}`; anything else is a test failure. */
export function errorCodeOf(answer: HttpAnswer): string {
  const parsed: unknown = JSON.parse(answer.body);
  const error = (parsed as { error?: { code?: unknown; message?: unknown } }).error;
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') throw new Error(`not an error body: ${answer.body.slice(0, 200)}`);
  return error.code;
}
