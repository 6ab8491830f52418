import type { ChatMessage, JoinedEvent } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import { isJoined, isMessage, offsetsOf, range } from './helpers/frames.js';
import { useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { PollClient, poll, postMessage } from './helpers/http-client.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { Resources } from './helpers/resources.js';
import { SseClient } from './helpers/sse-client.js';

const HISTORY_SIZE = 20;
const resources = new Resources();
let a: TestNode;
let b: TestNode;

/** Posts `count` messages `<prefix>-<i>` to `room` on `node`, one after another, and returns their texts. */
async function postMany(node: TestNode, room: string, prefix: string, count: number): Promise<string[]> {
  const texts: string[] = [];
  for (let index = 1; index <= count; index++) {
    const text = `${prefix}-${index}`;
    const answer = await postMessage(node.http, room, { text, nick: 'poster' });
    expect(answer.status).toBe(201);
    texts.push(text);
  }
  return texts;
}

const texts = (messages: readonly ChatMessage[]): string[] => messages.map((message) => message.text);

/** An SSE client on node a that saw one message of `room` and left: its Last-Event-ID. */
async function seenOneThenLeft(room: string): Promise<string> {
  const first = resources.track(await SseClient.open(a.http, `rooms=${room}`));
  await first.joined(room);
  await postMany(a, room, 'seen', 1);
  await first.waitForMessage(room, 'seen-1');
  first.close();
  return first.lastEventId;
}

useTwoNodes(resources, { HISTORY_SIZE: String(HISTORY_SIZE) }, (nodes) => ({ a, b } = nodes));

describe('WebSocket resume', () => {
  it('a client that reconnects to the other node with since gets exactly the missed messages, then live ones', async () => {
    const room = 'resume-ws';
    const first = resources.track(await JsonWsClient.connect(a.ws, { nick: 'leaver' }));
    await first.join(room);
    const seen = await postMany(a, room, 'seen', 2);
    const received = await first.waitForMessages(room, 2);
    expect(texts(received)).toEqual(seen);
    const last = received.at(-1)!;
    await first.close();

    const missed = [...(await postMany(a, room, 'missed-a', 2)), ...(await postMany(b, room, 'missed-b', 2))];
    const second = resources.track(await JsonWsClient.connect(b.ws, { nick: 'leaver' }));
    const joined = await second.join(room, { epoch: last.epoch, offset: last.offset });
    expect(joined.recovered).toBe(true);
    expect(joined.epoch).toBe(last.epoch);
    expect(texts(joined.messages)).toEqual(missed);
    expect(offsetsOf(joined.messages)).toEqual(range(last.offset + 1, last.offset + missed.length));
    expect(joined.offset).toBe(last.offset + missed.length);

    const live = await second.say(room, 'live after resume');
    expect(live.offset).toBe(joined.offset + 1);
    const message = await second.waitForMessage(room, 'live after resume');
    expect(message.offset).toBe(live.offset);
    expect(second.messages(room)).toHaveLength(1);
  });

  it('since at the head recovers with no messages', async () => {
    const room = 'resume-head';
    await postMany(a, room, 'head', 3);
    const client = resources.track(await JsonWsClient.connect(b.ws));
    const fresh = await client.join(room);
    const other = resources.track(await JsonWsClient.connect(a.ws));
    const joined = await other.join(room, { epoch: fresh.epoch, offset: fresh.offset });
    expect(joined).toMatchObject({ recovered: true, offset: fresh.offset, messages: [] });
  });

  it('since older than the history (HISTORY_SIZE) is reported as recovered:false with the recent history', async () => {
    const room = 'resume-too-old';
    await postMany(a, room, 'old', 1);
    const start = resources.track(await JsonWsClient.connect(a.ws));
    const position = await start.join(room);
    await start.close();
    const sent = await postMany(a, room, 'flood', HISTORY_SIZE + 10);
    const client = resources.track(await JsonWsClient.connect(b.ws));
    const joined = await client.join(room, { epoch: position.epoch, offset: position.offset });
    expect(joined.recovered).toBe(false);
    expect(joined.messages.length).toBeGreaterThan(0);
    expect(joined.messages.length).toBeLessThanOrEqual(HISTORY_SIZE);
    expect(joined.messages.at(-1)?.text).toBe(sent.at(-1));
    expect(joined.offset).toBe(position.offset + sent.length);
  });

  it('since in another epoch (the room lost its data) is reported as recovered:false', async () => {
    const room = 'resume-other-epoch';
    await postMany(a, room, 'epoch', 2);
    const client = resources.track(await JsonWsClient.connect(b.ws));
    const joined = await client.join(room, { epoch: 'not-the-epoch', offset: 1 });
    expect(joined.recovered).toBe(false);
    expect(texts(joined.messages)).toEqual(['epoch-1', 'epoch-2']);
  });
});

describe('SSE resume', () => {
  it('Last-Event-ID against the other node resumes every room of the stream with exactly the missed messages', async () => {
    const rooms = ['sse-one', 'sse-two'];
    const first = resources.track(await SseClient.open(a.http, `rooms=${rooms.join(',')}&nick=reader`));
    await Promise.all(rooms.map((room) => first.joined(room)));
    await postMany(a, 'sse-one', 'one-seen', 2);
    await postMany(b, 'sse-two', 'two-seen', 1);
    await first.waitForMessage('sse-one', 'one-seen-2');
    await first.waitForMessage('sse-two', 'two-seen-1');
    const lastEventId = first.lastEventId;
    expect(lastEventId).not.toBe('');
    first.close();

    const missedOne = await postMany(a, 'sse-one', 'one-missed', 3);
    const missedTwo = await postMany(b, 'sse-two', 'two-missed', 1);
    const second = resources.track(await SseClient.open(b.http, `rooms=${rooms.join(',')}&nick=reader`, { lastEventId }));
    const one = await second.joined('sse-one');
    const two = await second.joined('sse-two');
    expect(one.recovered).toBe(true);
    expect(texts(one.messages)).toEqual(missedOne);
    expect(offsetsOf(one.messages)).toEqual(range(3, 5));
    expect(two.recovered).toBe(true);
    expect(texts(two.messages)).toEqual(missedTwo);
    expect(offsetsOf(two.messages)).toEqual([2]);

    await postMany(a, 'sse-one', 'one-live', 1);
    const live = await second.waitForMessage('sse-one', 'one-live-1');
    expect(live.offset).toBe(6);
    expect(second.messages('sse-one')).toHaveLength(1);
  });

  it('?lastEventId= resumes like the header', async () => {
    const room = 'sse-query';
    const lastEventId = await seenOneThenLeft(room);
    const missed = await postMany(b, room, 'missed', 2);
    const second = resources.track(await SseClient.open(b.http, `rooms=${room}&lastEventId=${encodeURIComponent(lastEventId)}`));
    const joined = await second.joined(room);
    expect(joined.recovered).toBe(true);
    expect(texts(joined.messages)).toEqual(missed);
  });

  it('a malformed Last-Event-ID starts the stream fresh with the recent history', async () => {
    const room = 'sse-garbage-id';
    await postMany(a, room, 'hist', 2);
    const client = resources.track(await SseClient.open(b.http, `rooms=${room}`, { lastEventId: 'not a cursor!' }));
    const joined = await client.joined(room);
    expect(joined.recovered).toBe(true);
    expect(texts(joined.messages)).toEqual(['hist-1', 'hist-2']);
  });

  it('a Last-Event-ID older than the history is reported as recovered:false', async () => {
    const room = 'sse-too-old';
    const lastEventId = await seenOneThenLeft(room);
    await postMany(a, room, 'flood', HISTORY_SIZE + 5);
    const second = resources.track(await SseClient.open(b.http, `rooms=${room}`, { lastEventId }));
    const joined = await second.joined(room);
    expect(joined.recovered).toBe(false);
    expect(joined.messages.at(-1)?.text).toBe(`flood-${HISTORY_SIZE + 5}`);
  });
});

describe('long-poll resume', () => {
  it('a cursor from node A used on node B returns exactly what followed it', async () => {
    const room = 'poll-resume';
    await postMany(a, room, 'before', 2);
    const client = new PollClient(room);
    const initial = await client.pollOnce(a.http);
    expect(initial.filter((event) => isJoined(event, room))).toHaveLength(1);

    const missed = [...(await postMany(a, room, 'missed-a', 2)), ...(await postMany(b, room, 'missed-b', 1))];
    const resumed = await client.pollOnce(b.http, 5);
    const resumedMessages = resumed.filter((event) => isMessage(event, room));
    expect(resumedMessages).toHaveLength(resumed.length);
    expect(resumedMessages.map((event) => event.text)).toEqual(missed);
    expect(resumedMessages.map((event) => event.offset)).toEqual(range(3, 5));

    const nothing = await poll(b.http, room, { cursor: client.cursor!, timeoutS: 0.2 });
    expect(nothing.events).toEqual([]);

    const waiting = client.pollOnce(b.http, 10);
    await postMany(a, room, 'live', 1);
    const live = await waiting;
    expect(live.map((event) => (isMessage(event) ? [event.type, event.text, event.offset] : [event.type]))).toEqual([['message', 'live-1', 6]]);
  });

  it('a cursor older than the history gets joined {recovered:false}', async () => {
    const room = 'poll-too-old';
    const client = new PollClient(room);
    await client.pollOnce(a.http);
    await postMany(a, room, 'flood', HISTORY_SIZE + 5);
    const events = await client.pollOnce(b.http, 5);
    const joined = events.find((event): event is JoinedEvent => isJoined(event, room));
    expect(joined?.recovered).toBe(false);
  });
});
