import { describe, expect, it } from 'vitest';
import { eventually } from '@chat/testkit';
import { call, FeatureSseClient, ofType, postTyping } from './chat-features-support.js';
import { useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { history, PollClient, postMessage } from './helpers/http-client.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { Resources } from './helpers/resources.js';

const resources = new Resources();
let a: TestNode;
let b: TestNode;
useTwoNodes(resources, {}, (nodes) => ({ a, b } = nodes));

async function postMany(node: TestNode, room: string, count: number): Promise<void> {
  for (let index = 1; index <= count; index++) expect((await postMessage(node.http, room, { text: `m${index}`, nick: 'poster' })).status).toBe(201);
}

describe('read markers and unread counts', () => {
  it('a read position set on one node is in joined on the other after a reconnect, never moves back, and members see it', async () => {
    const room = 'reads';
    await postMany(a, room, 5);
    const carol = resources.track(await JsonWsClient.connect(a.ws, { nick: 'carol' }));
    const first = await carol.join(room);
    expect(first).toMatchObject({ read: 0, unread: 5, occupancy: 1 });
    const watcher = resources.track(await JsonWsClient.connect(b.ws, { nick: 'watcher' }));
    await watcher.join(room);
    carol.send({ type: 'read', room, offset: 3 });
    expect(await watcher.next(ofType('read', room))).toEqual({ type: 'read', room, nick: 'carol', offset: 3 });
    const from = watcher.mark();
    carol.send({ type: 'read', room, offset: 2 });
    await carol.close();
    await postMany(b, room, 2);

    const back = resources.track(await JsonWsClient.connect(b.ws, { nick: 'carol' }));
    const joined = await back.join(room, { epoch: first.epoch, offset: first.offset });
    expect(joined).toMatchObject({ read: 3, unread: 4, recovered: true });
    expect(watcher.frames.items.slice(from).filter(ofType('read', room))).toEqual([]);
    expect((await back.expectError({ type: 'read', room, offset: -1 })).code).toBe('bad_request');
  });

  it('HTTP readers (SSE, long-poll) store theirs with POST /rooms/:room/read and get it in joined', async () => {
    const room = 'reads-http';
    await postMany(a, room, 4);
    const stored = await call<{ read: number; unread: number }>(b.http, 'POST', `/rooms/${room}/read`, { offset: 3, nick: 'dave' });
    expect(stored.status).toBe(200);
    expect(stored.body).toMatchObject({ read: 3, unread: 1 });
    expect((await call(b.http, 'POST', `/rooms/${room}/read`, { offset: 1, nick: 'dave' })).body).toMatchObject({ read: 3 });
    expect((await call(b.http, 'POST', `/rooms/${room}/read`, { offset: 1 })).status).toBe(400);
    const sse = resources.track(new FeatureSseClient(a.http, `rooms=${room}&nick=dave`));
    expect(await sse.next(ofType('joined', room))).toMatchObject({ read: 3, unread: 1 });
    const poller = new PollClient(room);
    const [joined] = await poller.pollOnce(a.http);
    expect(joined).toMatchObject({ type: 'joined', read: 0, unread: 4 });
    await fetch(`${b.http}/poll?rooms=${room}&nick=dave`).then(async (response) => {
      const body = (await response.json()) as { events: Array<Record<string, unknown>> };
      expect(body.events[0]).toMatchObject({ type: 'joined', read: 3, unread: 1 });
    });
  });
});

describe('typing', () => {
  it('reaches the other members on every node and transport, at most once a second per connection, and is never stored', async () => {
    const room = 'typing';
    const typist = resources.track(await JsonWsClient.connect(a.ws, { nick: 'tina' }));
    await typist.join(room);
    const watcher = resources.track(await JsonWsClient.connect(b.ws, { nick: 'watcher' }));
    const before = await watcher.join(room);
    const sse = resources.track(new FeatureSseClient(b.http, `rooms=${room}&nick=sse`));
    await sse.next(ofType('joined', room));
    const poller = new PollClient(room);
    await poller.pollOnce(a.http);

    const from = typist.mark();
    for (let i = 0; i < 5; i++) typist.send({ type: 'typing', room });
    expect(await watcher.next(ofType('typing', room))).toEqual({ type: 'typing', room, nick: 'tina' });
    expect(await sse.next(ofType('typing', room))).toEqual({ type: 'typing', room, nick: 'tina' });
    // A ping answered after the five typing frames: the extra four were dropped, none echoed.
    await typist.request({ type: 'ping' }, ofType('pong'));
    await watcher.request({ type: 'ping' }, ofType('pong'));
    expect(watcher.frames.items.filter(ofType('typing', room))).toHaveLength(1);
    expect(typist.frames.items.slice(from).filter(ofType('typing'))).toEqual([]);

    expect(await postTyping(b.http, room, 'httpie')).toBe(204);
    expect(await watcher.next((event) => event.type === 'typing' && event.nick === 'httpie')).toBeTruthy();
    // A long-poll client hears typing while a poll is waiting (ephemeral: nothing is kept for the next one).
    const waiting = poller.pollOnce(a.http, 10);
    let answered = false;
    void waiting.finally(() => (answered = true));
    await eventually(async () => answered || ((await postTyping(b.http, room, 'httpie')) === 204 && false), { intervalMs: 300, what: 'a poll answered with typing' });
    expect(await waiting).toContainEqual({ type: 'typing', room, nick: 'httpie' });
    expect((await typist.expectError({ type: 'typing', room: 'not-joined' })).code).toBe('not_joined');

    await watcher.close();
    const resumed = resources.track(await JsonWsClient.connect(a.ws, { nick: 'watcher' }));
    const joined = await resumed.join(room, { epoch: before.epoch, offset: before.offset });
    expect(joined).toMatchObject({ recovered: true, messages: [] });
    expect((await history(a.http, room)).messages).toEqual([]);
    await eventually(async () => (await history(b.http, room, 'since=0')).messages.length === 0, { what: 'no stored typing' });
  });
});
