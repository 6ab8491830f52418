import { EventSource, type FetchLike } from 'eventsource';
import { parseJson, parseServerEvent, type ServerEvent } from '@chat/protocol';
import { Collector } from '@chat/testkit';
import { signToken, type TokenClaims } from '../../services/gateway/src/auth/token.js';
import { fetchJson, type JsonResponse } from './helpers/http-client.js';
import { JsonWsClient } from './helpers/json-ws-client.js';

export const SECRET = 'chat-features-test-secret';

export const tokenFor = (claims: TokenClaims): Promise<string> => signToken(claims, SECRET);

/** A JSON WebSocket client that authenticates with `?token=` (the helper only appends `/ws`). */
export function connectWithToken(wsBase: string, token: string): Promise<JsonWsClient> {
  return JsonWsClient.connect(`${wsBase}/ws?token=${encodeURIComponent(token)}&_=`);
}

/** `METHOD <base><path>` with a JSON body (when given) and an optional bearer token. */
export function call<T = Record<string, unknown>>(base: string, method: string, path: string, body?: unknown, token?: string): Promise<JsonResponse<T>> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token !== undefined) headers.Authorization = `Bearer ${token}`;
  return fetchJson<T>(`${base}${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
}

/** `POST /rooms/:room/typing`: 204 without a body. */
export async function postTyping(base: string, room: string, nick: string): Promise<number> {
  const response = await fetch(`${base}/rooms/${room}/typing`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ nick }) });
  await response.arrayBuffer();
  return response.status;
}

const EVENT_TYPES = ['welcome', 'joined', 'message', 'edit', 'delete', 'presence', 'typing', 'read', 'occupancy', 'error'] as const;

/** An SSE client of `/sse` that keeps every protocol event (named by `event:`) with its id. */
export class FeatureSseClient {
  readonly events = new Collector<{ readonly name: string; readonly id: string; readonly event: ServerEvent }>();
  private readonly source: EventSource;

  constructor(base: string, query: string, lastEventId?: string) {
    let first = true;
    const fetchWithResume: FetchLike = async (input, init) => {
      const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
      if (first && lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
      first = false;
      return fetch(input, { ...init, headers });
    };
    this.source = new EventSource(`${base}/sse?${query}`, { fetch: fetchWithResume });
    for (const name of EVENT_TYPES) {
      this.source.addEventListener(name, (message) => {
        if (!(message instanceof MessageEvent) || typeof message.data !== 'string') return;
        const event = parseServerEvent(parseJson(message.data), name);
        if (event) this.events.push({ name, id: message.lastEventId, event });
      });
    }
  }

  /** The first event (at or after `from`) that matches. */
  async next<T extends ServerEvent>(predicate: (event: ServerEvent) => event is T, from = 0): Promise<T> {
    const find = (items: readonly { event: ServerEvent }[]): T | undefined => items.slice(from).map((item) => item.event).find(predicate);
    return find(await this.events.waitFor((items) => find(items) !== undefined, { what: 'a matching SSE event' }))!;
  }

  get lastEventId(): string {
    return [...this.events.items].reverse().find((item) => item.id !== '')?.id ?? '';
  }

  close(): void {
    this.source.close();
  }
}

/** A type guard for one event type (and room). */
export function ofType<K extends ServerEvent['type']>(type: K, room?: string) {
  return (event: ServerEvent): event is Extract<ServerEvent, { type: K }> => event.type === type && (room === undefined || !('room' in event) || event.room === room);
}
