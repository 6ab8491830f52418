import { runInNewContext } from 'node:vm';
import { connect } from 'node:net';
import { PUSHLET_CALLBACK, STREAM_PADDING_BYTES, type ServerEvent } from '@chat/protocol';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { metricValue, postMessage, scrapeMetrics } from './helpers/http-client.js';
import { Resources } from './helpers/resources.js';
import { EventStreamReader, streamUrl, type StreamKind } from './support/event-stream-reader.js';

const resources = new Resources();
let a: TestNode;
let b: TestNode;
useTwoNodes(resources, { SSE_HEARTBEAT_MS: '200', SEND_BUFFER_BYTES: '262144', MAX_TEXT_LENGTH: '20000' }, (nodes) => ({ a, b } = nodes));

const readers: EventStreamReader[] = [];
afterEach(() => {
  for (const reader of readers.splice(0)) reader.close();
});

function open(kind: StreamKind, node: TestNode, rooms: readonly string[], options: { nick?: string; cursor?: string | undefined } = {}): EventStreamReader {
  const reader = new EventStreamReader(kind, streamUrl(node.http, kind, rooms, options));
  readers.push(reader);
  return reader;
}

async function post(node: TestNode, room: string, text: string, nick = 'poster'): Promise<number> {
  const answer = await postMessage(node.http, room, { text, nick });
  expect(answer.status).toBe(201);
  return (answer.body as { offset: number }).offset;
}

/** What every member sees alike: positions, texts, presence; not the session or the member's own nick. */
function comparable(event: ServerEvent): string {
  switch (event.type) {
    case 'welcome':
      return 'welcome';
    case 'joined':
      return `joined ${event.room} ${event.offset} [${event.messages.map((m) => `${m.offset}:${m.text}`).join(',')}]`;
    case 'message':
      return `message ${event.room} ${event.offset} ${event.nick}: ${event.text}`;
    case 'presence':
      return `presence ${event.room} ${event.event} ${event.nick}`;
    default:
      return event.type;
  }
}

const STREAMS: readonly StreamKind[] = ['sse', 'xhr-stream', 'pushlet'];

describe('XHR streaming and the pushlet carry the protocol like SSE', () => {
  it('all three streams carry the same events in the same order, each positioned event with a cursor', async () => {
    const room = 'same-events';
    await post(b, room, 'before anyone came');
    const streams: EventStreamReader[] = [];
    for (const kind of STREAMS) {
      const stream = open(kind, a, [room], { nick: `reader-${kind}` });
      await stream.next((event) => event.type === 'joined');
      streams.push(stream);
    }
    // Each sees the readers opened after it join; from the last join on, all see the same.
    for (const stream of streams) await stream.next((event) => event.type === 'presence' && event.nick === 'reader-pushlet' || (stream.kind === 'pushlet' && event.type === 'joined'));
    const from = streams.map((stream) => stream.events.length);

    await post(b, room, 'first live');
    const watcher = open('xhr-stream', b, [room], { nick: 'watcher' });
    await watcher.next((event) => event.type === 'joined');
    await post(b, room, 'second live', 'watcher');
    await post(a, room, 'third live');
    for (const stream of streams) await stream.next((event) => event.type === 'message' && event.text === 'third live');
    const sequences = streams.map((stream, index) => [
      ...stream.events.slice(0, 2).map((item) => comparable(item.event)),
      ...stream.events.slice(from[index]).map((item) => comparable(item.event)),
    ]);
    expect(sequences[0]).toEqual([
      'welcome',
      'joined same-events 1 [1:before anyone came]',
      'message same-events 2 poster: first live',
      'presence same-events join watcher',
      'message same-events 3 watcher: second live',
      'message same-events 4 poster: third live',
    ]);
    expect(sequences[1]).toEqual(sequences[0]);
    expect(sequences[2]).toEqual(sequences[0]);
    for (const stream of streams) {
      const positioned = stream.events.filter(({ event }) => event.type === 'joined' || event.type === 'message');
      expect(positioned.every((item) => item.cursor !== undefined), stream.kind).toBe(true);
    }
  });

  it('start with padding past the buffering thresholds, and keep beating', async () => {
    for (const kind of ['xhr-stream', 'pushlet'] as const) {
      const stream = open(kind, a, ['padding'], { nick: 'pad' });
      await stream.next((event) => event.type === 'joined');
      expect(stream.raw.indexOf('"type":"welcome"'), kind).toBeGreaterThan(STREAM_PADDING_BYTES);
      const beats = stream.heartbeats;
      // SSE_HEARTBEAT_MS is 200 here: an idle stream beats again within a second.
      await stream.until(() => stream.heartbeats > beats, 'heartbeat', 1_000);
    }
  });

  for (const kind of ['xhr-stream', 'pushlet'] as const) {
    it(`${kind}: resumes on the other node from its cursor with exactly the missed messages`, async () => {
      const room = `resume-${kind}`;
      await post(a, room, 'seen 1');
      const first = open(kind, a, [room], { nick: 'roamer' });
      await first.next((event) => event.type === 'joined');
      await post(a, room, 'seen 2');
      await first.next((event) => event.type === 'message' && event.text === 'seen 2');
      const cursor = first.lastCursor();
      expect(cursor).toBeDefined();
      first.close();

      await post(b, room, 'missed 3');
      await post(a, room, 'missed 4');
      const second = open(kind, b, [room], { nick: 'roamer', cursor });
      const joined = await second.next((event) => event.type === 'joined');
      expect(second.node).toBe('node-b');
      expect(joined.event).toMatchObject({ type: 'joined', room, recovered: true, offset: 4 });
      expect(second.messages(room)).toEqual(['3:missed 3', '4:missed 4']);
      await post(b, room, 'live 5');
      await second.next((event) => event.type === 'message' && event.offset === 5);
      expect(second.messages(room)).toEqual(['3:missed 3', '4:missed 4', '5:live 5']);
    });
  }

  it('a cursor the server did not issue is reported as bad_cursor and the stream starts fresh', async () => {
    for (const kind of ['xhr-stream', 'pushlet'] as const) {
      const stream = open(kind, a, ['bad-cursor'], { cursor: 'not-a-cursor!' });
      await stream.next((event) => event.type === 'error' && event.code === 'bad_cursor');
      await stream.next((event) => event.type === 'joined');
    }
  });

  it('a draining node tells its stream clients to go elsewhere and ends the streams', async () => {
    const { startNode } = await import('./helpers/gateway-nodes.js');
    const { startRedisServer } = await import('@chat/testkit');
    const redis = await startRedisServer();
    const node = await startNode('node-drain', redis.url, { SSE_HEARTBEAT_MS: '200' });
    try {
      const streams = (['xhr-stream', 'pushlet'] as const).map((kind) => open(kind, node, ['drain'], { nick: 'leaver' }));
      for (const stream of streams) await stream.next((event) => event.type === 'joined');
      await node.drain();
      for (const stream of streams) {
        await stream.next((event) => event.type === 'error' && event.code === 'draining');
        await stream.done;
        expect(stream.ended).toBe(true);
      }
    } finally {
      await redis.stop();
    }
  });

  it('a stream client that stops reading is cut off at SEND_BUFFER_BYTES, and others are not slowed', async () => {
    const room = 'slow-stream';
    // A raw socket that sends the request and never reads: the kernel's receive buffer stays small.
    const url = new URL(streamUrl(a.http, 'xhr-stream', [room], { nick: 'stalled' }));
    const socket = connect(Number(url.port), url.hostname);
    resources.track({ close: () => socket.destroy() });
    socket.on('error', () => undefined);
    socket.write(`GET ${url.pathname}${url.search} HTTP/1.1\r\nHost: ${url.host}\r\n\r\n`);
    socket.pause();
    const closed = new Promise<void>((done) => socket.once('close', () => done()));
    const cutOff = async (): Promise<number> => metricValue(await scrapeMetrics(a.http), 'chat_slow_consumer_disconnects_total', { transport: 'xhr_stream' });
    const before = await cutOff();
    const healthy = open('pushlet', a, [room], { nick: 'healthy' });
    await healthy.next((event) => event.type === 'joined');
    // A paused socket notices nothing; the node's counter tells when it was cut. Bounded at 30 MB.
    const text = 'x'.repeat(20_000);
    let offset = 0;
    for (let batch = 0; batch < 30 && (await cutOff()) === before; batch++) {
      for (let i = 0; i < 50; i++) offset = await post(a, room, text);
    }
    expect(await cutOff()).toBe(before + 1);
    await healthy.next((event) => event.type === 'message' && event.offset === offset);
    socket.resume();
    await closed;
  });
});

describe('the pushlet is script-safe', () => {
  it('no text can close the script, open a comment or break a line; each text arrives unchanged (fuzzed, end to end)', async () => {
    const room = 'hostile';
    const stream = open('pushlet', a, [room], { nick: 'victim' });
    await stream.next((event) => event.type === 'joined');
    const hostile = fc.oneof(
      fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
      fc.constantFrom('</script><script>alert(1)</script>', '<!--', '-->', '<!-- <script>', '\u2028\u2029', '</SCRIPT >', ']]>', '&lt;/script&gt;', '\\u003c/script>'),
      fc.array(fc.constantFrom('<', '/', 's', 'c', 'r', 'i', 'p', 't', '>', '!', '-', '\u2028', '\u2029', '&', '"', '\\'), { minLength: 1, maxLength: 40 }).map((parts) => parts.join('')),
    ).filter((text) => text.trim().length > 0);
    const texts = fc.sample(hostile, { numRuns: 150, seed: 12_345 });
    for (const text of texts) await post(a, room, text);
    const last = await stream.next((event) => event.type === 'message' && event.text === texts.at(-1), 0, 20_000);
    expect(last).toBeDefined();

    const body = stream.raw.slice(stream.raw.indexOf('<script>'));
    const scripts = body.split('</script>\n').filter((part) => part.length > 0);
    const pushed: unknown[] = [];
    for (const script of scripts) {
      expect(script.startsWith(`<script>parent.${PUSHLET_CALLBACK}(`)).toBe(true);
      const code = script.slice('<script>'.length);
      // Nothing inside a script element may end it, start a comment, or end a line for old engines.
      expect(code).not.toMatch(/<\/script|<!--|[\u2028\u2029<>]/i);
      runInNewContext(code, { parent: { [PUSHLET_CALLBACK]: (value: unknown) => pushed.push(value) } });
    }
    const received = pushed.flatMap((value) => ((value as { type?: string }).type === 'message' ? [(value as { text: string }).text] : []));
    expect(received).toEqual(texts);
  });
});
