import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dmRoom } from '@chat/protocol';
import { call, connectWithToken, SECRET, tokenFor } from './chat-features-support.js';
import { startNode, useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { Resources } from './helpers/resources.js';

const resources = new Resources();
let a: TestNode;
let b: TestNode;
let open: TestNode;
useTwoNodes(resources, { AUTH_SECRET: SECRET }, (nodes) => ({ a, b } = nodes));
beforeAll(async () => {
  open = await startNode('no-auth', undefined);
});
afterAll(async () => {
  await open?.drain();
});

describe('direct messages', () => {
  it('dm:<subA>:<subB> is open to exactly those two users whatever their rooms claim, across nodes', async () => {
    const room = dmRoom('bob', 'alice');
    expect(room).toBe('dm:alice:bob');
    const alice = resources.track(await connectWithToken(a.ws, await tokenFor({ sub: 'alice', rooms: ['lobby'] })));
    const bob = resources.track(await connectWithToken(b.ws, await tokenFor({ sub: 'bob', rooms: ['lobby'] })));
    await alice.join(room);
    const bobJoined = await bob.join(room);
    // Presence names each signed-in member's sub: what a direct room is named by.
    expect(bobJoined.presence).toContainEqual({ nick: 'alice', user: 'alice' });
    expect(await alice.next((event) => event.type === 'presence' && event.nick === 'bob' && event.user === 'bob')).toBeTruthy();
    await alice.say(room, 'psst');
    expect((await bob.waitForMessage(room, 'psst')).nick).toBe('alice');
    const bobToken = await tokenFor({ sub: 'bob', rooms: ['lobby'] });
    expect((await call(a.http, 'GET', `/rooms/${room}/messages`, undefined, bobToken)).status).toBe(200);
  });

  it('a stranger, a reversed name and every client without auth get forbidden on every transport', async () => {
    const room = 'dm:alice:bob';
    const mallory = await tokenFor({ sub: 'mallory' });
    const stranger = resources.track(await connectWithToken(a.ws, mallory));
    expect((await stranger.expectError({ type: 'join', room })).code).toBe('forbidden');
    expect((await stranger.expectError({ type: 'send', room, text: 'hi' })).code).toBe('forbidden');
    expect((await stranger.expectError({ type: 'history', room, before: 10 })).code).toBe('forbidden');
    const alice = resources.track(await connectWithToken(b.ws, await tokenFor({ sub: 'alice' })));
    expect((await alice.expectError({ type: 'join', room: 'dm:bob:alice' })).code).toBe('forbidden');
    for (const [method, path, body] of [
      ['GET', `/rooms/${room}/messages`, undefined],
      ['POST', `/rooms/${room}/messages`, { text: 'hi' }],
      ['GET', `/rooms/${room}/presence`, undefined],
      ['POST', `/rooms/${room}/read`, { offset: 1 }],
      ['GET', `/sse?rooms=${room}`, undefined],
      ['GET', `/poll?rooms=${room}`, undefined],
    ] as const) {
      expect((await call(b.http, method, path, body, mallory)).status, `${method} ${path}`).toBe(403);
    }
    const anonymous = resources.track(await JsonWsClient.connect(open.ws));
    expect((await anonymous.expectError({ type: 'join', room })).code).toBe('forbidden');
    expect((await call(open.http, 'GET', `/rooms/${room}/messages`)).status).toBe(403);
  });
});

describe('edit rights with auth', () => {
  it('the author is the token sub, not the nick; a mod token may change anyone\'s message', async () => {
    const room = 'team';
    const alice = await tokenFor({ sub: 'alice', nick: 'Alice A' });
    const posted = await call<{ offset: number }>(a.http, 'POST', `/rooms/${room}/messages`, { text: 'by alice' }, alice);
    expect(posted.status).toBe(201);
    const path = `/rooms/${room}/messages/${posted.body.offset}`;
    const impostor = await tokenFor({ sub: 'mallory', nick: 'Alice A' });
    expect((await call(b.http, 'PATCH', path, { text: 'not hers' }, impostor)).status).toBe(403);
    expect((await call(b.http, 'PATCH', path, { text: 'by alice, edited' }, alice)).status).toBe(201);
    const viaWs = resources.track(await connectWithToken(b.ws, impostor));
    expect((await viaWs.expectError({ type: 'delete', room, offset: posted.body.offset })).code).toBe('forbidden');
    const moderator = await tokenFor({ sub: 'mod-1', mod: true });
    expect((await call(a.http, 'DELETE', path, undefined, moderator)).status).toBe(201);
  });
});
