import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import { Collector } from '@chat/testkit';
import type PusherServerSdk from 'pusher';

/** One webhook event as received, and whether the server SDK accepted the request that carried it. */
export interface ReceivedEvent {
  readonly name: string;
  readonly channel?: string;
  readonly user_id?: string;
  readonly event?: string;
  readonly data?: string;
  readonly socket_id?: string;
  readonly valid: boolean;
}

/**
 * An app's webhook endpoint: a real HTTP server that checks each request with the SDK's own
 * `pusher.webhook({headers, rawBody}).isValid()` and collects the events. It can refuse the
 * next requests with 500, as a failing receiver does.
 */
export class WebhookReceiver {
  readonly events = new Collector<ReceivedEvent>();
  readonly requests: Array<{ headers: IncomingHttpHeaders; body: string }> = [];
  private failNext = 0;

  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  static async start(verifier: () => PusherServerSdk): Promise<WebhookReceiver> {
    const made: { receiver?: WebhookReceiver } = {};
    const server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => made.receiver?.receive(verifier(), request.headers, Buffer.concat(chunks).toString('utf8'), response));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    made.receiver = new WebhookReceiver(server, `http://127.0.0.1:${port}/pusher/webhooks`);
    return made.receiver;
  }

  /** The next `count` requests are answered 500. */
  failRequests(count: number): void {
    this.failNext = count;
  }

  /** The events named `name` (on `channel`, when given). */
  named(name: string, channel?: string): ReceivedEvent[] {
    return this.events.items.filter((event) => event.name === name && (channel === undefined || event.channel === channel));
  }

  async waitFor(name: string, channel?: string, count = 1): Promise<ReceivedEvent[]> {
    await this.events.waitFor(() => this.named(name, channel).length >= count, { what: `${count} ${name} webhook(s)${channel ? ` for ${channel}` : ''}` });
    return this.named(name, channel);
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private receive(sdk: PusherServerSdk, headers: IncomingHttpHeaders, rawBody: string, response: ServerResponse): void {
    this.requests.push({ headers, body: rawBody });
    if (this.failNext > 0) {
      this.failNext -= 1;
      response.writeHead(500).end();
      return;
    }
    const webhook = sdk.webhook({ headers, rawBody });
    const valid = webhook.isValid();
    const events = valid ? (webhook.getEvents() as unknown as ReceivedEvent[]) : ((JSON.parse(rawBody) as { events: ReceivedEvent[] }).events ?? []);
    response.writeHead(200).end();
    for (const event of events) this.events.push({ ...event, valid });
  }
}
