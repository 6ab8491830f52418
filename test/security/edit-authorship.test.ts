import { ChatClient, type FeatureError, type TransportName } from '@chat/client';
import { EventSource } from 'eventsource';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { call } from '../gateway/chat-features-support.js';
import { isAck } from '../gateway/helpers/frames.js';
import { useTwoNodes, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { history } from '../gateway/helpers/http-client.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { Resources } from '../gateway/helpers/resources.js';

// Without auth a nick is whatever a client says it is: it must never be what lets one change a message.
const resources = new Resources();
let a: TestNode;
let b: TestNode;
useTwoNodes(resources, {}, (nodes) => ({ a, b } = nodes));

const path = (room: string, offset: number): string => `/rooms/${room}/messages/${offset}`;

async function textAt(node: TestNode, room: string, offset: number): Promise<string | undefined> {
  return (await history(node.http, room)).messages.find((message) => message.offset === offset)?.text;
}

describe('edit and delete without auth: the author key, never the nick', () => {
  it('a second client calling itself alice is refused on WebSocket and HTTP, on either node; the message is unchanged', async () => {
    const room = 'foreign-edit';
    const alice = resources.track(await JsonWsClient.connect(a.ws, { nick: 'alice' }));
    await alice.join(room);
    const sent = await alice.say(room, 'written by alice');
    const impostor = resources.track(await JsonWsClient.connect(b.ws, { nick: 'alice' }));
    await impostor.join(room);
    expect((await impostor.expectError({ type: 'edit', room, offset: sent.offset, text: 'not by alice' })).code).toBe('forbidden');
    expect((await impostor.expectError({ type: 'delete', room, offset: sent.offset })).code).toBe('forbidden');
    expect((await impostor.expectError({ type: 'delete', room, offset: sent.offset, key: 'a-guessed-key-0123456789' })).code).toBe('forbidden');
    const patched = await call(b.http, 'PATCH', path(room, sent.offset), { text: 'not by alice', nick: 'alice' });
    const deleted = await call(a.http, 'DELETE', `${path(room, sent.offset)}?nick=alice`);
    expect([patched.status, deleted.status]).toEqual([403, 403]);
    expect(await textAt(a, room, sent.offset)).toBe('written by alice');
  });

  it('the key from the ack changes the message from another connection and node (a reconnect), by frame and by HTTP', async () => {
    const room = 'own-edit';
    const alice = resources.track(await JsonWsClient.connect(a.ws, { nick: 'alice' }));
    await alice.join(room);
    const first = await alice.say(room, 'first');
    const second = await alice.say(room, 'second');
    expect(first.key).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
    expect(second.key).not.toBe(first.key);
    await alice.close();
    const back = resources.track(await JsonWsClient.connect(b.ws, { nick: 'someone-else' }));
    await back.join(room);
    // One message's key does not open another.
    expect((await back.expectError({ type: 'edit', room, offset: second.offset, text: 'x', key: first.key })).code).toBe('forbidden');
    await back.request({ type: 'edit', room, offset: first.offset, text: 'first, edited', key: first.key }, isAck);
    expect((await call(a.http, 'DELETE', path(room, second.offset), { nick: 'anyone', key: second.key })).status).toBe(201);
    expect(await textAt(b, room, first.offset)).toBe('first, edited');
    expect(await textAt(b, room, second.offset)).toBe('');
  });

  it('a POST is answered with a key; a retry with the same cid repeats a key the client chose, never a new one', async () => {
    const room = 'post-keys';
    const made = await call<{ offset: number; key?: string }>(a.http, 'POST', `/rooms/${room}/messages`, { text: 'by curl', nick: 'carl', cid: 'p-1' });
    expect(made.status).toBe(201);
    expect(made.body.key).toMatch(/^[A-Za-z0-9_-]{16,128}$/);
    const retried = await call<{ key?: string; duplicate: boolean }>(b.http, 'POST', `/rooms/${room}/messages`, { text: 'by curl', nick: 'carl', cid: 'p-1' });
    expect(retried.body).toMatchObject({ duplicate: true });
    expect(retried.body.key).toBeUndefined();
    const chosen = 'client-chosen-key-0123456789';
    const own = await call<{ offset: number; key?: string }>(a.http, 'POST', `/rooms/${room}/messages`, { text: 'keyed', nick: 'carl', cid: 'p-2', key: chosen });
    const ownAgain = await call<{ key?: string; duplicate: boolean }>(b.http, 'POST', `/rooms/${room}/messages`, { text: 'keyed', nick: 'carl', cid: 'p-2', key: chosen });
    expect([own.body.key, ownAgain.body.key, ownAgain.body.duplicate]).toEqual([chosen, chosen, true]);
    expect((await call(b.http, 'PATCH', path(room, made.body.offset), { text: 'edited', nick: 'carl', key: made.body.key })).status).toBe(201);
    expect((await call(b.http, 'PATCH', path(room, own.body.offset), { text: 'bad key', nick: 'carl', key: 'short' })).status).toBe(400);
  });

  for (const transport of ['websocket', 'sse'] as const satisfies readonly TransportName[]) {
    it(`the SDK (${transport}) keeps its keys: it edits and deletes its own message, another SDK with the same nick cannot`, async () => {
      const room = `sdk-keys-${transport}`;
      const start = (url: string): ChatClient => {
        const client = new ChatClient({ url, rooms: [room], nick: 'alice', transports: [transport], WebSocket, EventSource });
        client.start();
        resources.track({ close: async () => client.stop() });
        return client;
      };
      const alice = start(a.http);
      const ack = await alice.send(room, 'from the sdk');
      const impostor = start(b.http);
      await expect(impostor.features.edit(room, ack.offset, 'taken over')).rejects.toMatchObject({ code: 'forbidden' } satisfies Partial<FeatureError>);
      await expect(impostor.features.remove(room, ack.offset)).rejects.toMatchObject({ code: 'forbidden' });
      expect((await alice.features.edit(room, ack.offset, 'edited by alice')).target).toBe(ack.offset);
      expect(await textAt(b, room, ack.offset)).toBe('edited by alice');
      expect((await alice.features.remove(room, ack.offset)).target).toBe(ack.offset);
    });
  }
});

