import { toServerEvent } from './events.js';
import { MessageLog } from './message-log.js';

/** A long-poll client: asks again with its last cursor until stopped; a failed request is retried. */
export class PollChatClient {
  readonly log = new MessageLog();
  readonly nodes = new Set<string>();
  private cursor = '';
  private stopped = false;
  private loop: Promise<void> | undefined;
  private controller = new AbortController();

  constructor(
    private readonly baseUrl: string,
    readonly nick: string,
    private readonly rooms: readonly string[],
  ) {}

  /** Starts polling; resolves after the first answer (the `joined` of every room). */
  async connect(): Promise<void> {
    await this.pollOnce();
    this.loop = this.run();
  }

  async close(): Promise<void> {
    this.stopped = true;
    this.controller.abort();
    await this.loop;
  }

  private async run(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.pollOnce();
      } catch {
        if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  }

  private async pollOnce(): Promise<void> {
    const query = new URLSearchParams({ rooms: this.rooms.join(','), nick: this.nick, timeout: '5' });
    if (this.cursor) query.set('cursor', this.cursor);
    const response = await fetch(`${this.baseUrl}/poll?${query}`, { signal: this.controller.signal });
    const body: unknown = await response.json();
    if (response.status !== 200) throw new Error(`poll answered ${response.status}: ${JSON.stringify(body)}`);
    const node = response.headers.get('x-node-id') ?? undefined;
    if (node) this.nodes.add(node);
    if (typeof body !== 'object' || body === null || !('cursor' in body) || !('events' in body) || !Array.isArray(body.events)) {
      throw new Error(`malformed poll answer: ${JSON.stringify(body)}`);
    }
    for (const raw of body.events as unknown[]) {
      const event = toServerEvent(raw);
      if (event.type === 'joined') this.log.joined(event, node);
      else if (event.type === 'message') this.log.message(event);
    }
    if (typeof body.cursor === 'string') this.cursor = body.cursor;
  }
}
