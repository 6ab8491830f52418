import { parseJson, parseServerEvent, type JoinedEvent, type MessageEvent, type ServerEvent } from '@chat/protocol';
import { EventSource, type FetchLike } from 'eventsource';
import { Collector } from '@chat/testkit';
import { isJoined, isMessage } from './frames.js';

type SseEventOf<E extends ServerEvent> = E extends ServerEvent ? { readonly type: E['type']; readonly id: string; readonly data: E } : never;

/** One SSE event as received: its `event:` type (the same as its data's), `id:` (empty when none) and validated `data:`. */
export type SseEvent = SseEventOf<ServerEvent>;

const sseEvent = (data: ServerEvent, id: string): SseEvent => ({ type: data.type, id, data }) as SseEvent;

export interface SseOpenOptions {
  /** Sent as the `Last-Event-ID` header on the first request (resume). */
  readonly lastEventId?: string;
  readonly timeoutMs?: number;
}

const EVENT_TYPES = ['welcome', 'joined', 'message', 'presence', 'error', 'left', 'ack'] as const;

/**
 * An SSE client of `/sse` built on the `eventsource` package: collects every named event with its
 * id; connection failures are kept apart from the server's own `event: error` frames.
 */
export class SseClient {
  readonly events = new Collector<SseEvent>();
  /** Connection-level failures and stream ends reported by EventSource (not server `error` events). */
  readonly connectionErrors = new Collector<{ readonly code: number | undefined; readonly message: string | undefined }>();
  /** HTTP status of every response EventSource got, in order. */
  readonly statuses: number[] = [];
  private readonly source: EventSource;

  private constructor(url: string, lastEventId: string | undefined) {
    let first = true;
    const fetchWithResume: FetchLike = async (input, init) => {
      const headers: Record<string, string> = { ...(init.headers as Record<string, string>) };
      if (first && lastEventId !== undefined) headers['Last-Event-ID'] = lastEventId;
      first = false;
      const response = await fetch(input, { ...init, headers });
      this.statuses.push(response.status);
      return response;
    };
    this.source = new EventSource(url, { fetch: fetchWithResume });
    for (const type of EVENT_TYPES) {
      this.source.addEventListener(type, (event) => {
        if (event instanceof MessageEvent && typeof event.data === 'string') {
          const data = parseServerEvent(parseJson(event.data), type);
          if (data?.type !== type) throw new Error(`SSE ${type} event outside the protocol: ${event.data.slice(0, 200)}`);
          this.events.push(sseEvent(data, event.lastEventId));
        } else {
          const failure = event as Event & { code?: number; message?: string };
          this.connectionErrors.push({ code: failure.code, message: failure.message });
        }
      });
    }
  }

  /** Opens `<base>/sse?<query>` and resolves once the `welcome` event arrived. */
  static async open(base: string, query: string, { lastEventId, timeoutMs = 10_000 }: SseOpenOptions = {}): Promise<SseClient> {
    const client = new SseClient(`${base}/sse?${query}`, lastEventId);
    try {
      await client.events.waitFor((events) => events.some((event) => event.type === 'welcome'), { timeoutMs, what: 'SSE welcome' });
    } catch (error) {
      client.close();
      throw error;
    }
    return client;
  }

  get readyState(): number {
    return this.source.readyState;
  }

  /** The id of the last event that carried one: the resume cursor. */
  get lastEventId(): string {
    return [...this.events.items].reverse().find((event) => event.id !== '')?.id ?? '';
  }

  mark(): number {
    return this.events.items.length;
  }

  async next<T extends SseEvent>(predicate: (event: SseEvent) => event is T, options?: { from?: number; timeoutMs?: number }): Promise<T>;
  async next(predicate: (event: SseEvent) => boolean, options?: { from?: number; timeoutMs?: number }): Promise<SseEvent>;
  async next(predicate: (event: SseEvent) => boolean, { from = 0, timeoutMs = 10_000 } = {}): Promise<SseEvent> {
    const find = (items: readonly SseEvent[]): SseEvent | undefined => items.slice(from).find(predicate);
    const items = await this.events.waitFor((all) => find(all) !== undefined, { timeoutMs, what: 'a matching SSE event' });
    return find(items)!;
  }

  /** The `joined` event of `room`. */
  async joined(room: string, timeoutMs = 10_000): Promise<JoinedEvent> {
    const { data } = await this.next((candidate) => isJoined(candidate.data, room), { timeoutMs });
    if (!isJoined(data)) throw new Error('unreachable: not a joined event');
    return data;
  }

  messages(room: string): MessageEvent[] {
    return this.events.items.flatMap(({ data }) => (isMessage(data, room) ? [data] : []));
  }

  async waitForMessage(room: string, text: string, timeoutMs = 10_000): Promise<MessageEvent> {
    const matches = (data: ServerEvent): data is MessageEvent => isMessage(data, room) && data.text === text;
    const { data } = await this.next((candidate) => matches(candidate.data), { timeoutMs });
    if (!matches(data)) throw new Error('unreachable: not the awaited message');
    return data;
  }

  close(): void {
    this.source.close();
  }
}
