import { HEARTBEAT_TYPE, PUSHLET_CALLBACK, STREAM_HEARTBEAT, parseJson, parseServerEvent, type ServerEvent } from '@chat/protocol';

export type StreamKind = 'sse' | 'xhr-stream' | 'pushlet';

/** A server event as a stream carried it, with the stream position (`cursor` / SSE id) when it had one. */
export interface StreamedEvent {
  readonly event: ServerEvent;
  readonly cursor: string | undefined;
}

const SCRIPT = new RegExp(`<script>parent\\.${PUSHLET_CALLBACK}\\(([\\s\\S]*?)\\)</script>\\n`, 'g');

/**
 * Reads `/sse`, `/xhr-stream` or `/pushlet` with fetch and parses each framing back into protocol
 * events, so tests compare what the three streams carry. The raw body is kept for tests that
 * inspect the framing itself.
 */
export class EventStreamReader {
  readonly events: StreamedEvent[] = [];
  raw = '';
  heartbeats = 0;
  status = 0;
  node: string | undefined;
  ended = false;
  private readonly controller = new AbortController();
  private waiters: Array<() => void> = [];
  readonly done: Promise<void>;

  constructor(
    readonly kind: StreamKind,
    url: string,
    headers: Record<string, string> = {},
  ) {
    this.done = this.read(url, headers);
  }

  /** Resolves once `condition` holds, checked as each chunk of the stream arrives. */
  async until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (this.ended) throw new Error(`${this.kind} stream ended before ${what}`);
      if (Date.now() > deadline) throw new Error(`${this.kind}: no ${what} within ${timeoutMs} ms`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.max(1, deadline - Date.now()));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** Resolves with the first event (at or after `from`) that matches. */
  async next(predicate: (event: ServerEvent) => boolean, from = 0, timeoutMs = 10_000): Promise<StreamedEvent> {
    let found: StreamedEvent | undefined;
    await this.until(() => (found = this.events.slice(from).find((item) => predicate(item.event))) !== undefined, 'matching event', timeoutMs);
    if (!found) throw new Error('unreachable');
    return found;
  }

  /** The messages received, in order, as `offset:text`. */
  messages(room?: string): string[] {
    return this.events.flatMap(({ event }) => {
      if (event.type === 'message' && (room === undefined || event.room === room)) return [`${event.offset}:${event.text}`];
      if (event.type === 'joined' && (room === undefined || event.room === room)) return event.messages.map((m) => `${m.offset}:${m.text}`);
      return [];
    });
  }

  /** The last stream position seen. */
  lastCursor(): string | undefined {
    return this.events.findLast((item) => item.cursor !== undefined)?.cursor;
  }

  close(): void {
    this.controller.abort();
  }

  private async read(url: string, headers: Record<string, string>): Promise<void> {
    try {
      const response = await fetch(url, { headers, signal: this.controller.signal });
      this.status = response.status;
      this.node = response.headers.get('x-node-id') ?? undefined;
      if (!response.body) return;
      const decoder = new TextDecoder();
      let pending = '';
      const body = response.body.getReader();
      for (;;) {
        const { done, value } = await body.read();
        if (done) break;
        const text = decoder.decode(value, { stream: true });
        this.raw += text;
        pending = this.parse(pending + text);
        this.wake();
      }
    } catch {
      // aborted by close(), or the connection dropped (a killed node): `ended` tells
    } finally {
      this.ended = true;
      this.wake();
    }
  }

  /** Parses complete units out of `text`, returns the unfinished rest. */
  private parse(text: string): string {
    switch (this.kind) {
      case 'sse': {
        const blocks = text.split('\n\n');
        const rest = blocks.pop() ?? '';
        for (const block of blocks) {
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) this.heartbeats += 1;
            const colon = line.indexOf(': ');
            if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 2));
          }
          const data = fields.get('data');
          if (fields.get('event') === HEARTBEAT_TYPE) this.heartbeats += 1;
          else if (data !== undefined) this.add(parseJson(data), fields.get('id'), fields.get('event'));
        }
        return rest;
      }
      case 'xhr-stream': {
        const lines = text.split('\n');
        const rest = lines.pop() ?? '';
        for (const line of lines) {
          if (line === STREAM_HEARTBEAT) this.heartbeats += 1;
          else if (line.trim() !== '') this.add(parseJson(line));
        }
        return rest;
      }
      case 'pushlet': {
        let consumed = 0;
        for (const match of text.matchAll(SCRIPT)) {
          const json = match[1] ?? '';
          if (json === STREAM_HEARTBEAT) this.heartbeats += 1;
          else this.add(parseJson(json));
          consumed = (match.index ?? 0) + match[0].length;
        }
        return text.slice(consumed);
      }
    }
  }

  private add(value: unknown, id?: string, hint?: string): void {
    const event = parseServerEvent(value, hint);
    if (!event) throw new Error(`${this.kind}: not a protocol event: ${JSON.stringify(value)}`);
    const cursor = id ?? (typeof value === 'object' && value !== null && typeof (value as { cursor?: unknown }).cursor === 'string' ? (value as { cursor: string }).cursor : undefined);
    this.events.push({ event, cursor });
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const waiter of waiters) waiter();
  }
}

/** `/<kind>?rooms=…&nick=…` with the cursor in the parameter each stream resumes by. */
export function streamUrl(base: string, kind: StreamKind, rooms: readonly string[], options: { nick?: string; cursor?: string | undefined } = {}): string {
  const params = new URLSearchParams({ rooms: rooms.join(',') });
  if (options.nick) params.set('nick', options.nick);
  if (options.cursor) params.set(kind === 'sse' ? 'lastEventId' : 'cursor', options.cursor);
  return `${base}/${kind}?${params.toString()}`;
}
