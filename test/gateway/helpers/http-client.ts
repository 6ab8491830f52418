import { isRecord, isString, parseServerEvent, type MessageEvent, type ServerEvent } from '@chat/protocol';
import { connect } from 'node:net';

export interface JsonResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
}

/** Fetches and parses a JSON answer (whatever the status). */
export async function fetchJson<T = Record<string, unknown>>(url: string, init: RequestInit = {}): Promise<JsonResponse<T>> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${init.method ?? 'GET'} ${url} answered ${response.status} with non-JSON: ${text.slice(0, 200)}`);
  }
  return { status: response.status, headers: response.headers, body: body as T };
}

export interface PostAnswer {
  readonly room: string;
  readonly epoch: string;
  readonly offset: number;
  readonly ts: number;
  readonly cid?: string;
  readonly duplicate?: boolean;
  readonly error?: { readonly code: string; readonly message: string };
}

/** `POST /rooms/:room/messages` with a JSON body. */
export function postMessage(base: string, room: string, body: { text: unknown; nick?: string; cid?: string }): Promise<JsonResponse<PostAnswer>> {
  return fetchJson<PostAnswer>(`${base}/rooms/${encodeURIComponent(room)}/messages`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
}

export interface HistoryAnswer {
  readonly room: string;
  readonly epoch: string;
  readonly offset: number;
  readonly messages: ReadonlyArray<Omit<MessageEvent, 'type' | 'room'>>;
}

export async function history(base: string, room: string, query = ''): Promise<HistoryAnswer> {
  const { status, body } = await fetchJson<HistoryAnswer>(`${base}/rooms/${encodeURIComponent(room)}/messages${query ? `?${query}` : ''}`);
  if (status !== 200) throw new Error(`history of ${room}: ${status} ${JSON.stringify(body)}`);
  return body;
}

export interface PresenceAnswer {
  readonly room: string;
  readonly members: ReadonlyArray<{ readonly nick: string; readonly node: string }>;
}

export async function presence(base: string, room: string): Promise<PresenceAnswer> {
  const { status, body } = await fetchJson<PresenceAnswer>(`${base}/rooms/${encodeURIComponent(room)}/presence`);
  if (status !== 200) throw new Error(`presence of ${room}: ${status} ${JSON.stringify(body)}`);
  return body;
}

export interface PollAnswer {
  readonly cursor: string;
  readonly events: readonly ServerEvent[];
}

/** One `GET /poll` request; throws unless it answers 200. */
export async function poll(base: string, rooms: string, { cursor, timeoutS }: { cursor?: string; timeoutS?: number } = {}): Promise<PollAnswer> {
  const query = new URLSearchParams({ rooms });
  if (cursor !== undefined) query.set('cursor', cursor);
  if (timeoutS !== undefined) query.set('timeout', String(timeoutS));
  const { status, body } = await fetchJson<unknown>(`${base}/poll?${query.toString()}`);
  if (status !== 200 || !isRecord(body) || !isString(body.cursor) || !Array.isArray(body.events)) {
    throw new Error(`poll ${query.toString()}: ${status} ${JSON.stringify(body)}`);
  }
  const events = body.events.map((item: unknown) => {
    const event = parseServerEvent(item);
    if (!event) throw new Error(`poll event outside the protocol: ${JSON.stringify(item).slice(0, 200)}`);
    return event;
  });
  return { cursor: body.cursor, events };
}

/**
 * A long-poll client: keeps its cursor between requests (possibly to different nodes) and every
 * event it was given, in order.
 */
export class PollClient {
  readonly events: ServerEvent[] = [];
  cursor: string | undefined;

  constructor(readonly rooms: string) {}

  /** One request to `base`: without a cursor it answers at once with `joined` events. */
  async pollOnce(base: string, timeoutS = 5): Promise<readonly ServerEvent[]> {
    const answer = await poll(base, this.rooms, this.cursor === undefined ? {} : { cursor: this.cursor, timeoutS });
    this.cursor = answer.cursor;
    this.events.push(...answer.events);
    return answer.events;
  }

  /** Polls `base` until an event matches, or fails after `timeoutMs`. */
  async pollUntil(base: string, predicate: (event: ServerEvent) => boolean, timeoutMs = 10_000): Promise<ServerEvent> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.events.find(predicate);
      if (found) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching poll event within ${timeoutMs} ms; have ${JSON.stringify(this.events).slice(0, 500)}`);
      await this.pollOnce(base, Math.max(0.1, Math.min(5, left / 1000)));
    }
  }

  messages(room: string): MessageEvent[] {
    return this.events.filter((event): event is MessageEvent => event.type === 'message' && event.room === room);
  }
}

export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Sends a request line exactly as given over a plain socket (fetch and curl would normalize
 * `..` and percent escapes away) and reads the whole answer (`Connection: close`).
 */
export function rawHttp(port: number, target: string, { method = 'GET', host = `127.0.0.1:${port}` } = {}): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1' });
    const chunks: Buffer[] = [];
    socket.setTimeout(5000, () => socket.destroy(new Error(`raw ${method} ${target}: no answer within 5 s`)));
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('latin1');
      const split = raw.indexOf('\r\n\r\n');
      if (split === -1) return reject(new Error(`raw ${method} ${target}: incomplete answer ${JSON.stringify(raw.slice(0, 200))}`));
      const [statusLine = '', ...headerLines] = raw.slice(0, split).split('\r\n');
      const status = Number(statusLine.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let body = raw.slice(split + 4);
      if (headers['transfer-encoding'] === 'chunked') body = dechunk(body);
      resolve({ status, headers, body });
    });
    socket.write(`${method} ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
  });
}

function dechunk(body: string): string {
  let out = '';
  let rest = body;
  for (;;) {
    const lineEnd = rest.indexOf('\r\n');
    if (lineEnd === -1) return out;
    const size = parseInt(rest.slice(0, lineEnd), 16);
    if (!Number.isFinite(size) || size === 0) return out;
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size);
    rest = rest.slice(lineEnd + 2 + size + 2);
  }
}

/** Sums the samples of a Prometheus metric whose labels include every given label. */
export function metricValue(text: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (!match || match[1] !== name) continue;
    const labelText = match[2] ?? '';
    if (!Object.entries(labels).every(([key, value]) => labelText.includes(`${key}="${value}"`))) continue;
    total += Number(match[3]);
    found = true;
  }
  if (!found) throw new Error(`metric ${name}${JSON.stringify(labels)} not found`);
  return total;
}

export async function scrapeMetrics(base: string): Promise<string> {
  const response = await fetch(`${base}/metrics`);
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  return response.text();
}
