import type { Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { isAck, offsetsOf, range } from './helpers/frames.js';
import { useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { metricValue, scrapeMetrics } from './helpers/http-client.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { Resources } from './helpers/resources.js';

const SEND_BUFFER_BYTES = 65_536;
// Bursts stay under the bound (BATCH * TEXT_LENGTH < SEND_BUFFER_BYTES) so only the client that
// stops reading can pass it; the burst test below covers bursts larger than the bound.
const TEXT_LENGTH = 2000;
const BATCH = 20;
const MAX_MESSAGES = 4000;
const LARGE_TEXT_LENGTH = 8000;
const LARGE_BURST = 25;
const resources = new Resources();
let a: TestNode;
let b: TestNode;

const settings = { SEND_BUFFER_BYTES: String(SEND_BUFFER_BYTES), MAX_TEXT_LENGTH: String(LARGE_TEXT_LENGTH + 100), HISTORY_SIZE: '100' };
useTwoNodes(resources, settings, (nodes) => ({ a, b } = nodes));

/** The TCP socket under a `ws` client: pausing it makes the client stop reading. */
const rawSocketOf = (client: JsonWsClient): Socket => (client.socket as unknown as { _socket: Socket })._socket;

const slowDisconnects = async (node: TestNode): Promise<number> =>
  metricValue(await scrapeMetrics(node.http), 'chat_slow_consumer_disconnects_total', { transport: 'ws' });

describe('slow consumers', () => {
  it(`a client that stops reading is disconnected past SEND_BUFFER_BYTES (${SEND_BUFFER_BYTES}), counted, and others get every message`, async () => {
    const room = 'firehose';
    const slow = resources.track(await JsonWsClient.connect(b.ws, { nick: 'slow' }));
    const normal = resources.track(await JsonWsClient.connect(b.ws, { nick: 'normal' }));
    const sender = resources.track(await JsonWsClient.connect(a.ws, { nick: 'sender' }));
    await slow.join(room);
    const normalJoined = await normal.join(room);
    await sender.join(room);
    const before = await slowDisconnects(b);

    rawSocketOf(slow).pause();
    let sent = 0;
    let disconnected = false;
    while (!disconnected && sent < MAX_MESSAGES) {
      for (let index = 0; index < BATCH; index++) {
        sent += 1;
        sender.send({ type: 'send', room, text: `${sent}:${'x'.repeat(TEXT_LENGTH)}` });
      }
      const expected = sent;
      await sender.frames.waitFor((frames) => frames.filter(isAck).length >= expected, { timeoutMs: 20_000, what: `${expected} acks` });
      disconnected = (await slowDisconnects(b)) > before;
    }
    expect(disconnected, `slow consumer still connected after ${sent} messages of ${TEXT_LENGTH} characters`).toBe(true);

    const received = await normal.waitForMessages(room, sent, 30_000);
    expect(offsetsOf(received)).toEqual(range(normalJoined.offset + 1, normalJoined.offset + sent));
    expect(normal.isOpen).toBe(true);
    expect(sender.isOpen).toBe(true);

    rawSocketOf(slow).resume();
    const closed = await slow.waitForClose(10_000);
    expect([4008, 1006]).toContain(closed.code);
    // What reached it before the close is an in-order, gap-free prefix; it resumes for the rest.
    const slowOffsets = offsetsOf(slow.messages(room));
    expect(slowOffsets).toEqual(range(normalJoined.offset + 1, normalJoined.offset + slowOffsets.length));
    expect(await slowDisconnects(b)).toBe(before + 1);
  });

  it(`a burst of large messages bigger than SEND_BUFFER_BYTES in one go does not disconnect clients that keep reading`, async () => {
    const room = 'big-burst';
    const sender = resources.track(await JsonWsClient.connect(a.ws, { nick: 'burster' }));
    const reader = resources.track(await JsonWsClient.connect(b.ws, { nick: 'reader' }));
    const senderJoined = await sender.join(room);
    const readerJoined = await reader.join(room);
    const beforeA = metricValue(await scrapeMetrics(a.http), 'chat_slow_consumer_disconnects_total', { transport: 'ws' });
    const beforeB = await slowDisconnects(b);
    for (let index = 1; index <= LARGE_BURST; index++) sender.send({ type: 'send', room, text: `${index}:${'y'.repeat(LARGE_TEXT_LENGTH)}` });
    const everything = Promise.all([sender.waitForMessages(room, LARGE_BURST), reader.waitForMessages(room, LARGE_BURST)]);
    const closedEarly = (name: string, client: JsonWsClient) => client.closed.then(({ code, reason }) => `${name} was closed ${code} '${reason}'`);
    const outcome = await Promise.race([everything.then(() => 'both got every message'), closedEarly('the sender (node a)', sender), closedEarly('the reader (node b)', reader)]);
    expect(outcome).toBe('both got every message');
    const [toSender, toReader] = await everything;
    expect(offsetsOf(toSender)).toEqual(range(senderJoined.offset + 1, senderJoined.offset + LARGE_BURST));
    expect(offsetsOf(toReader)).toEqual(range(readerJoined.offset + 1, readerJoined.offset + LARGE_BURST));
    expect(sender.isOpen && reader.isOpen).toBe(true);
    expect(metricValue(await scrapeMetrics(a.http), 'chat_slow_consumer_disconnects_total', { transport: 'ws' })).toBe(beforeA);
    expect(await slowDisconnects(b)).toBe(beforeB);
  });
});
