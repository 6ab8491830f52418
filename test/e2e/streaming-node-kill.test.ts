import { ChatClient, type ChatMessage, type ConnectionStatus } from '@chat/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '../../scripts/cluster/local-cluster.js';
import { EventStreamReader, streamUrl } from '../gateway/support/event-stream-reader.js';

/**
 * A pushlet needs a browser page; in Node it is read the way its page would: each ended stream is
 * opened again, through nginx, from the last cursor it carried.
 */
class ReconnectingPushlet {
  readonly offsets: number[] = [];
  readonly nodes: string[] = [];
  reader: EventStreamReader | undefined;
  private stopped = false;
  readonly running: Promise<void>;

  constructor(
    private readonly base: string,
    private readonly room: string,
  ) {
    this.running = this.run();
  }

  stop(): void {
    this.stopped = true;
    this.reader?.close();
  }

  /** Resolves once the message at `offset` arrived, across reconnects. */
  async received(offset: number, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.offsets.includes(offset)) {
      if (Date.now() > deadline) throw new Error(`the pushlet never got offset ${offset}`);
      const reader = this.reader;
      await reader?.until(() => reader.ended || reader.messages().some((line) => line.startsWith(`${offset}:`)), `offset ${offset}`, deadline - Date.now()).catch(() => undefined);
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private async run(): Promise<void> {
    let cursor: string | undefined;
    let seen = 0;
    while (!this.stopped) {
      const reader = new EventStreamReader('pushlet', streamUrl(this.base, 'pushlet', [this.room], { nick: 'pushlet', cursor }));
      this.reader = reader;
      let taken = 0;
      const take = (): void => {
        for (const { event } of reader.events.slice(taken)) {
          if (event.type === 'message') this.offsets.push(event.offset);
          if (event.type === 'joined') this.offsets.push(...event.messages.map((message) => message.offset));
        }
        taken = reader.events.length;
      };
      await reader.until(() => (take(), reader.ended || this.stopped), 'the end of the stream', 120_000).catch(() => undefined);
      take();
      if (reader.node) this.nodes.push(reader.node);
      cursor = reader.lastCursor() ?? cursor;
      seen += 1;
      // Like a page's backoff: not a busy loop while nginx finds a live node.
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, Math.min(1_000, 100 * seen)));
    }
  }
}

function waitForStatus(client: ChatClient, predicate: (status: ConnectionStatus) => boolean): Promise<ConnectionStatus> {
  if (predicate(client.currentStatus)) return Promise.resolve(client.currentStatus);
  return new Promise((resolve) => {
    const off = client.on('status', (status) => {
      if (predicate(status)) {
        off();
        resolve(status);
      }
    });
  });
}

describe('kill -9 of the node under XHR-streaming and pushlet clients, through nginx', { timeout: 90_000 }, () => {
  let cluster: LocalCluster;
  const clients: ChatClient[] = [];
  let pushlet: ReconnectingPushlet | undefined;

  beforeAll(async () => {
    cluster = await startLocalCluster({ gateways: 3, env: { RATE_SENDS_PER_SEC: '0', PRESENCE_TTL_MS: '1500' } });
  }, 60_000);

  afterAll(async () => {
    pushlet?.stop();
    for (const client of clients) client.stop();
    await cluster?.stop();
  });

  it('both resume on the surviving nodes with every acked message exactly once, in order', async () => {
    const room = 'stream-kill';
    const received: ChatMessage[] = [];
    const xhr = new ChatClient({ url: cluster.url, rooms: [room], nick: 'xhr', transports: ['xhr-stream'] });
    clients.push(xhr);
    xhr.on('message', (message) => received.push(message));
    xhr.start();
    const first = await waitForStatus(xhr, (status) => status.state === 'connected');
    expect(first.transport).toBe('xhr-stream');

    pushlet = new ReconnectingPushlet(cluster.url, room);
    await pushlet.reader?.next((event) => event.type === 'joined');

    const sender = new ChatClient({ url: cluster.url, rooms: [room], nick: 'sender', transports: ['long-poll'] });
    clients.push(sender);
    sender.start();
    await waitForStatus(sender, (status) => status.state === 'connected');

    const acked: number[] = [];
    const victims = [first.node, pushlet.reader?.node].filter((node, index, all): node is string => node !== undefined && all.indexOf(node) === index);
    const killed: string[] = [];
    for (let index = 1; index <= 60; index++) {
      const ack = await sender.send(room, `message ${index}`);
      acked.push(ack.offset);
      // Kill the streams' nodes one after another while messages flow (one node always survives).
      if (index % 20 === 0 && killed.length < victims.length) {
        const victim = cluster.nodes.find((node) => node.id === victims[killed.length]);
        if (victim && killed.length < cluster.nodes.length - 1) {
          killed.push(victim.id);
          await victim.kill('SIGKILL');
        }
      }
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    expect(killed.length).toBeGreaterThan(0);
    const last = acked.at(-1) ?? 0;
    await new Promise<void>((resolve) => {
      if (received.some((message) => message.offset === last)) return resolve();
      const off = xhr.on('message', (message) => message.offset === last && (off(), resolve()));
    });
    await pushlet.received(last, 30_000);

    // The client shows each message once, in order; the pushlet's own stream may repeat nothing either.
    expect(received.map((message) => message.offset)).toEqual(expect.arrayContaining(acked));
    const xhrOffsets = received.map((message) => message.offset).filter((offset) => offset >= (acked[0] ?? 0));
    expect(xhrOffsets).toEqual(acked);
    const pushletOffsets = pushlet.offsets.filter((offset) => offset >= (acked[0] ?? 0));
    expect(pushletOffsets).toEqual(acked);
    expect(xhr.currentStatus.node).not.toBe(killed[0]);
    console.log(JSON.stringify({ e2e: 'streaming-node-kill', messages: acked.length, killed, xhrNode: xhr.currentStatus.node, pushletNodes: [...pushlet.nodes, pushlet.reader?.node], lost: 0, duplicates: 0 }));
  });
});
