import { EventSource, type FetchLike } from 'eventsource';
import { Collector } from '@chat/testkit';
import type { JoinedFrame, MessageFrame, ServerFrame } from './frames.js';

/** One SSE event as received: its `event:` type, `id:` (empty when none) and parsed JSON `data:`. */
export interface SseEvent {
  readonly type: string;
  readonly id: string;
  readonly data: ServerFrame;
}

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
          this.events.push({ type, id: event.lastEventId, data: JSON.parse(event.data) as ServerFrame });
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

  async next(predicate: (event: SseEvent) => boolean, { from = 0, timeoutMs = 10_000 } = {}): Promise<SseEvent> {
    const find = (items: readonly SseEvent[]): SseEvent | undefined => items.slice(from).find(predicate);
    const items = await this.events.waitFor((all) => find(all) !== undefined, { timeoutMs, what: 'a matching SSE event' });
    return find(items)!;
  }

  /** The `joined` event of `room`. */
  async joined(room: string, timeoutMs = 10_000): Promise<JoinedFrame> {
    const event = await this.next((candidate) => candidate.type === 'joined' && candidate.data.room === room, { timeoutMs });
    return event.data as JoinedFrame;
  }

  messages(room: string): MessageFrame[] {
    return this.events.items.filter((event) => event.type === 'message' && event.data.room === room).map((event) => event.data as MessageFrame);
  }

  async waitForMessage(room: string, text: string, timeoutMs = 10_000): Promise<MessageFrame> {
    const event = await this.next((candidate) => candidate.type === 'message' && candidate.data.room === room && candidate.data.text === text, { timeoutMs });
    return event.data as MessageFrame;
  }

  close(): void {
    this.source.close();
  }
}
