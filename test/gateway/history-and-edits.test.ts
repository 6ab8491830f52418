import { describe, expect, it } from 'vitest';
import type { ChatMessage, DeleteEvent, EditEvent, HistoryEvent } from '@chat/protocol';
import { call, FeatureSseClient, ofType } from './chat-features-support.js';
import { isAck } from './helpers/frames.js';
import { useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { history, PollClient, postMessage } from './helpers/http-client.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { WsLineClient } from './helpers/line-clients.js';
import { Resources } from './helpers/resources.js';

const resources = new Resources();
let a: TestNode;
let b: TestNode;
useTwoNodes(resources, { HISTORY_SIZE: '200' }, (nodes) => ({ a, b } = nodes));

async function postMany(node: TestNode, room: string, count: number, nick = 'poster'): Promise<void> {
  for (let index = 1; index <= count; index++) expect((await postMessage(node.http, room, { text: `m${index}`, nick })).status).toBe(201);
}

const textsOf = (messages: readonly Pick<ChatMessage, 'text'>[]): string[] => messages.map((message) => message.text);

describe('older history', () => {
  it('pages back over WebSocket (history frame) and HTTP (?before=) from the newest message to the first, each once', async () => {
    const room = 'paging';
    await postMany(a, room, 23);
    const client = resources.track(await JsonWsClient.connect(b.ws, { nick: 'reader' }));
    const joined = await client.join(room);
    expect(joined.messages).toHaveLength(23);
    const seen: ChatMessage[] = [];
    let before = 24;
    for (;;) {
      const page = await client.request({ type: 'history', room, before, limit: 5 }, ofType('history', room));
      if (page.messages.length === 0) break;
      expect(page.messages.length).toBeLessThanOrEqual(5);
      seen.unshift(...page.messages);
      before = page.messages[0]!.offset;
    }
    expect(textsOf(seen)).toEqual(Array.from({ length: 23 }, (_, i) => `m${i + 1}`));

    const overHttp: string[] = [];
    let query = 'limit=4';
    for (;;) {
      const page = await history(a.http, room, query);
      if (page.messages.length === 0) break;
      overHttp.unshift(...textsOf(page.messages));
      query = `before=${page.messages[0]!.offset}&limit=4`;
    }
    expect(overHttp).toEqual(textsOf(seen));
  });

  it('answers a bad history request with a clear error', async () => {
    const client = resources.track(await JsonWsClient.connect(a.ws));
    expect((await client.expectError({ type: 'history', room: 'paging', before: 0 })).code).toBe('bad_request');
    expect((await client.expectError({ type: 'history', room: 'paging', before: 5, limit: 1001 })).code).toBe('bad_request');
    expect((await call(a.http, 'GET', '/rooms/paging/messages?before=x')).status).toBe(400);
  });
});

describe('edit and delete', () => {
  it('an edit and a delete are acked, reach WebSocket, SSE and long-poll members on both nodes, and line clients see (edited)', async () => {
    const room = 'lobby';
    const author = resources.track(await JsonWsClient.connect(a.ws, { nick: 'ann' }));
    await author.join(room);
    const watcher = resources.track(await JsonWsClient.connect(b.ws, { nick: 'watcher' }));
    await watcher.join(room);
    const sse = resources.track(new FeatureSseClient(b.http, `rooms=${room}&nick=sse`));
    await sse.next(ofType('joined', room));
    const line = resources.track(await WsLineClient.connect(b.ws));
    const poller = new PollClient(room);
    await poller.pollOnce(a.http);

    const sent = await author.say(room, 'helo wrld', 'c-1');
    await watcher.waitForMessage(room, 'helo wrld');
    const editAck = await author.request({ type: 'edit', room, offset: sent.offset, text: 'hello world', cid: 'e-1', key: sent.key }, isAck);
    expect(editAck.offset).toBe(sent.offset + 1);
    const edit = await watcher.next(ofType('edit', room));
    expect(edit).toMatchObject({ offset: editAck.offset, target: sent.offset, nick: 'ann', text: 'hello world', epoch: sent.epoch });
    expect(await sse.next(ofType('edit', room))).toMatchObject({ target: sent.offset, text: 'hello world' });
    await line.waitForLine('output ! ann (edited): hello world');
    expect(await poller.pollUntil(b.http, (event) => event.type === 'edit')).toMatchObject({ target: sent.offset });

    const again = await author.request({ type: 'edit', room, offset: sent.offset, text: 'hello world', cid: 'e-1', key: sent.key }, isAck);
    expect(again).toMatchObject({ offset: editAck.offset, duplicate: true });
    const deleteAck = await author.request({ type: 'delete', room, offset: sent.offset, key: sent.key }, isAck);
    expect(await watcher.next(ofType('delete', room))).toMatchObject({ offset: deleteAck.offset, target: sent.offset, nick: 'ann' });
    expect(await sse.next(ofType('delete', room))).toMatchObject({ target: sent.offset });

    const folded = await history(b.http, room);
    const message = folded.messages.find((entry) => entry.offset === sent.offset);
    expect(message).toMatchObject({ text: '', deleted: true });
    expect(folded.messages.some((entry) => entry.offset === editAck.offset)).toBe(false);
  });

  it('only the holder of the message key may change a message (by HTTP too, on any node); others get forbidden, unknown offsets not_found', async () => {
    const room = 'rights';
    const ann = resources.track(await JsonWsClient.connect(a.ws, { nick: 'ann' }));
    await ann.join(room);
    const sent = await ann.say(room, 'mine');
    const key = sent.key ?? '';
    expect(key).toMatch(/^[A-Za-z0-9_-]{16,}$/);
    const bob = resources.track(await JsonWsClient.connect(b.ws, { nick: 'bob' }));
    expect((await bob.expectError({ type: 'edit', room, offset: sent.offset, text: 'yours?' })).code).toBe('forbidden');
    expect((await bob.expectError({ type: 'delete', room, offset: 999, key })).code).toBe('not_found');
    expect((await bob.expectError({ type: 'edit', room, offset: sent.offset, text: '' })).code).toBe('invalid_text');
    const path = `/rooms/${room}/messages/${sent.offset}`;
    expect((await call(b.http, 'PATCH', path, { text: 'by http', nick: 'bob' })).status).toBe(403);
    const edited = await call<{ offset: number; target: number }>(b.http, 'PATCH', path, { text: 'by http', nick: 'ann', cid: 'h-1', key });
    expect(edited.status).toBe(201);
    expect(edited.body.target).toBe(sent.offset);
    expect((await call(b.http, 'PATCH', path, { text: 'by http', nick: 'ann', cid: 'h-1', key })).status).toBe(200);
    expect((await call(a.http, 'DELETE', `${path}?nick=ann&key=${key}`)).status).toBe(201);
    expect((await call(a.http, 'DELETE', `${path}?nick=ann&key=${key}`)).status).toBe(404);
    expect((await call(a.http, 'DELETE', `/rooms/${room}/messages/abc?nick=ann`)).status).toBe(400);
    expect((await call(a.http, 'DELETE', `${path}`)).status).toBe(400);
  });

  it('an edit and a delete made while a client was away reach it on resume, on WebSocket, SSE and long-poll', async () => {
    const room = 'away';
    const ann = resources.track(await JsonWsClient.connect(a.ws, { nick: 'ann' }));
    await ann.join(room);
    const first = await ann.say(room, 'first');
    const second = await ann.say(room, 'second');
    const away = resources.track(await JsonWsClient.connect(a.ws, { nick: 'away' }));
    const joined = await away.join(room);
    const sse = resources.track(new FeatureSseClient(a.http, `rooms=${room}`));
    await sse.next(ofType('joined', room));
    const sseCursor = sse.lastEventId;
    sse.close();
    const poller = new PollClient(room);
    await poller.pollOnce(a.http);
    await away.close();

    await ann.request({ type: 'edit', room, offset: first.offset, text: 'first, edited', key: first.key }, isAck);
    await ann.request({ type: 'delete', room, offset: second.offset, key: second.key }, isAck);
    await ann.say(room, 'third');

    const back = resources.track(await JsonWsClient.connect(b.ws, { nick: 'away' }));
    const resumed = await back.join(room, { epoch: joined.epoch, offset: joined.offset });
    expect(resumed.recovered).toBe(true);
    expect(resumed.messages.map(({ kind, target, text }) => ({ kind, target, text }))).toEqual([
      { kind: 'edit', target: first.offset, text: 'first, edited' },
      { kind: 'delete', target: second.offset, text: '' },
      { kind: undefined, target: undefined, text: 'third' },
    ]);
    const polled = await poller.pollOnce(b.http);
    expect(polled.map((event) => event.type)).toEqual(['edit', 'delete', 'message']);
    const sseBack = resources.track(new FeatureSseClient(b.http, `rooms=${room}`, sseCursor));
    const sseJoined = await sseBack.next(ofType('joined', room));
    expect(sseJoined.messages.map((message) => message.kind ?? 'message')).toEqual(['edit', 'delete', 'message']);

    const fresh = resources.track(await JsonWsClient.connect(b.ws));
    const page = await fresh.join(room);
    expect(page.messages.map(({ text, edited, deleted }) => ({ text, edited, deleted }))).toEqual([
      { text: 'first, edited', edited: true, deleted: undefined },
      { text: '', edited: undefined, deleted: true },
      { text: 'third', edited: undefined, deleted: undefined },
    ]);
    const older: HistoryEvent = await fresh.request({ type: 'history', room, before: page.messages[2]!.offset }, ofType('history', room));
    expect(textsOf(older.messages)).toEqual(['first, edited', '']);
  });
});

export type { DeleteEvent, EditEvent };
