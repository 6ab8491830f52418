import { describe, expect, it } from 'vitest';
import { useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { history, postMessage } from './helpers/http-client.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { Resources } from './helpers/resources.js';

const resources = new Resources();
let a: TestNode;
let b: TestNode;

useTwoNodes(resources, {}, (nodes) => ({ a, b } = nodes));

/** Members of both nodes in `room`. */
async function membersOf(room: string): Promise<[JsonWsClient, JsonWsClient]> {
  const onA = resources.track(await JsonWsClient.connect(a.ws, { nick: 'sender' }));
  const onB = resources.track(await JsonWsClient.connect(b.ws, { nick: 'watcher' }));
  await onA.join(room);
  await onB.join(room);
  return [onA, onB];
}

/** Sends a fence message and waits until both members have it: everything before it has arrived. */
async function fence(sender: JsonWsClient, members: readonly JsonWsClient[], room: string): Promise<void> {
  await sender.say(room, 'fence');
  await Promise.all(members.map((member) => member.waitForMessage(room, 'fence')));
}

describe('idempotent sends', () => {
  it('the same cid twice over WebSocket is stored once, acked duplicate:true, and delivered once', async () => {
    const room = 'idem-ws';
    const [sender, watcher] = await membersOf(room);
    const first = await sender.say(room, 'only once', 'cid-ws-1');
    expect(first).toMatchObject({ cid: 'cid-ws-1', duplicate: false });
    const again = await sender.say(room, 'only once', 'cid-ws-1');
    expect(again).toMatchObject({ cid: 'cid-ws-1', duplicate: true, offset: first.offset, epoch: first.epoch });
    await fence(sender, [sender, watcher], room);
    for (const member of [sender, watcher]) expect(member.messages(room).map((message) => message.text)).toEqual(['only once', 'fence']);
    const stored = await history(b.http, room);
    expect(stored.messages.map((message) => message.text)).toEqual(['only once', 'fence']);
  });

  it('the same cid twice over POST (to different nodes) answers 201 then 200 duplicate:true, stored and delivered once', async () => {
    const room = 'idem-post';
    const [sender, watcher] = await membersOf(room);
    const first = await postMessage(a.http, room, { text: 'posted once', nick: 'poster', cid: 'cid-post-1' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ room, cid: 'cid-post-1', offset: 1 });
    const again = await postMessage(b.http, room, { text: 'posted once', nick: 'poster', cid: 'cid-post-1' });
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ room, cid: 'cid-post-1', duplicate: true, offset: first.body.offset, epoch: first.body.epoch, ts: first.body.ts });
    await fence(sender, [sender, watcher], room);
    for (const member of [sender, watcher]) expect(member.messages(room).map((message) => message.text)).toEqual(['posted once', 'fence']);
    const stored = await history(a.http, room);
    expect(stored.messages.map((message) => message.text)).toEqual(['posted once', 'fence']);
  });

  it('a cid first sent by POST and retried over WebSocket is a duplicate too', async () => {
    const room = 'idem-mixed';
    const [sender, watcher] = await membersOf(room);
    const posted = await postMessage(b.http, room, { text: 'mixed', cid: 'cid-mixed' });
    expect(posted.status).toBe(201);
    const retried = await sender.say(room, 'mixed', 'cid-mixed');
    expect(retried).toMatchObject({ duplicate: true, offset: posted.body.offset });
    await fence(sender, [sender, watcher], room);
    expect(watcher.messages(room).map((message) => message.text)).toEqual(['mixed', 'fence']);
  });
});
