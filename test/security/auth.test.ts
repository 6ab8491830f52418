import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../services/gateway/src/auth/token.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { isJoined } from '../gateway/helpers/frames.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { fetchJson } from '../gateway/helpers/http-client.js';
import { TcpLineClient } from '../gateway/helpers/line-clients.js';
import { Resources } from '../gateway/helpers/resources.js';
import { SseClient } from '../gateway/helpers/sse-client.js';
import { forgeToken, HonestPair } from './helpers/honest.js';
import { connectJsonWithToken, connectLineWithToken, errorCodeOf, httpRequest, probeWs, wsUrl } from './helpers/probes.js';

const SECRET = 'test-secret-0123456789abcdef';
const OTHER_SECRET = 'another-secret-0123456789abcdef';
const now = (): number => Math.floor(Date.now() / 1000);
const resources = new Resources();
let node: TestNode;
let honest: HonestPair;

const alice = await signToken({ sub: 'alice', nick: 'Alice', rooms: ['team-*', 'lobby'], exp: now() + 3600 }, SECRET);
const bob = await signToken({ sub: 'bob', nick: 'Bob', rooms: ['team-*', 'lobby'] }, SECRET);
const mallory = await signToken({ sub: 'mallory', nick: 'Mallory', rooms: ['team-*', 'lobby'] }, SECRET);

/** Every way a token can be wrong; none of them may open anything. */
const BAD_TOKENS: ReadonlyArray<readonly [string, string | undefined]> = [
  ['missing', undefined],
  ['signed with another secret', await signToken({ sub: 'eve', nick: 'Eve' }, OTHER_SECRET)],
  ['expired', await signToken({ sub: 'eve', exp: now() - 60 }, SECRET)],
  ['not valid yet', await signToken({ sub: 'eve', nbf: now() + 3600 }, SECRET)],
  ["alg 'none' without a signature", forgeToken({ alg: 'none', typ: 'JWT' }, { sub: 'eve' }, undefined)],
  ["alg 'none' with a real signature", forgeToken({ alg: 'none', typ: 'JWT' }, { sub: 'eve' }, SECRET)],
  ['alg HS512 with a real HS256 signature', forgeToken({ alg: 'HS512', typ: 'JWT' }, { sub: 'eve' }, SECRET)],
  ['a tampered payload', (() => { const [h, , s] = alice.split('.'); return `${h}.${Buffer.from(JSON.stringify({ sub: 'alice', rooms: ['*'] })).toString('base64url')}.${s}`; })()],
  ['garbage', 'not.a.token'],
];

beforeAll(async () => {
  node = await startNode('auth', undefined, { AUTH_SECRET: SECRET, TCP_PORT: '0' });
  resources.track({ close: () => node.drain() });
  const sender = resources.track(await connectJsonWithToken(node, alice));
  const receiver = resources.track(await connectJsonWithToken(node, bob));
  honest = await HonestPair.join(sender, receiver, 'team-a');
});

afterAll(() => resources.closeAll());

describe('tokens: every transport refuses a missing or bad token while token holders chat', () => {
  for (const [name, token] of BAD_TOKENS) {
    it(`${name}: ws and ws/line close 4001, SSE/poll/POST/history/presence answer 401, TCP is told unauthorized and dropped`, async () => {
      for (const path of ['/ws', '/ws/line'] as const) {
        const outcome = await probeWs(wsUrl(node, path, token));
        expect(outcome.close?.code, `${path} with ${name} token`).toBe(4001);
        expect(outcome.close?.reason.length).toBeGreaterThan(0);
        expect(outcome.frames).toEqual([]);
      }
      const query = token === undefined ? '' : `&token=${encodeURIComponent(token)}`;
      const attempts: Array<[string, string, string?]> = [
        ['GET', `/sse?rooms=team-a${query}`],
        ['GET', `/poll?rooms=team-a${query}`],
        ['POST', `/rooms/team-a/messages?x=1${query}`, JSON.stringify({ text: 'let me in' })],
        ['GET', `/rooms/team-a/messages?x=1${query}`],
        ['GET', `/rooms/team-a/presence?x=1${query}`],
      ];
      for (const [method, path, body] of attempts) {
        const answer = await httpRequest(node, path, { method, ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }) });
        expect(answer.status, `${method} ${path}`).toBe(401);
        expect(answer.headers['content-type']).toMatch(/^application\/json/);
        expect(errorCodeOf(answer)).toBe('unauthorized');
      }
      const tcp = resources.track(await TcpLineClient.connect(node.tcpPort));
      tcp.send(token === undefined ? 'msg ! hello without a token' : `auth ! ${token}`);
      await tcp.waitForLine(/^status ! unauthorized: /);
      await tcp.waitForEnd();
      await honest.check();
    });
  }

  it('a bad token in Authorization: Bearer is refused on ws (4001) and HTTP (401); a good one is accepted', async () => {
    const forged = forgeToken({ alg: 'none' }, { sub: 'eve' }, undefined);
    const refused = await probeWs(wsUrl(node, '/ws'), { headers: { authorization: `Bearer ${forged}` } });
    expect(refused.close?.code).toBe(4001);
    const post = await httpRequest(node, '/rooms/team-a/messages', { method: 'POST', headers: { authorization: `Bearer ${forged}`, 'content-type': 'application/json' }, body: '{"text":"x"}' });
    expect(post.status).toBe(401);
    // A bad header must not be rescued by a good ?token=: the header is what the client meant.
    const mixed = await probeWs(`${wsUrl(node, '/ws', alice)}`, { headers: { authorization: `Bearer ${forged}` } });
    expect(mixed.close?.code).toBe(4001);
    const accepted = await httpRequest(node, '/rooms/team-a/messages', {
      method: 'POST',
      headers: { authorization: `Bearer ${alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'via bearer' }),
    });
    expect(accepted.status).toBe(201);
    await honest.receiver.waitForMessage('team-a', 'via bearer');
    await honest.check();
  });

  it('a good token works on SSE, poll and TCP, so the refusals above are about the token', async () => {
    const sse = await SseClient.open(node.http, `rooms=team-a&token=${encodeURIComponent(bob)}`);
    try {
      expect((await sse.next((event) => event.type === 'welcome')).data.nick).toBe('Bob');
      await sse.joined('team-a');
      await honest.sender.say('team-a', 'to sse');
      await sse.waitForMessage('team-a', 'to sse');
    } finally {
      sse.close();
    }
    const polled = await fetchJson<{ events: Array<{ type: string }> }>(`${node.http}/poll?rooms=team-a&token=${encodeURIComponent(bob)}`);
    expect(polled.status).toBe(200);
    expect(polled.body.events[0]?.type).toBe('joined');
    const lobbyWatcher = await honest.receiver.join('lobby');
    expect(lobbyWatcher.room).toBe('lobby');
    const tcp = resources.track(await TcpLineClient.connect(node.tcpPort));
    tcp.send(`auth ! ${alice}`);
    await honest.receiver.next((frame) => frame.type === 'presence' && frame.room === 'lobby');
    tcp.send('msg ! tcp with a token');
    const message = await honest.receiver.waitForMessage('lobby', 'tcp with a token');
    expect(message.nick).toBe('Alice');
    await tcp.close();
    await honest.check();
  });
});

describe('room patterns: a token for team-* cannot reach room secret', () => {
  it('join, send, SSE, poll, POST, history and presence of secret are forbidden; team-b is allowed', async () => {
    const client = resources.track(await connectJsonWithToken(node, mallory));
    expect((await client.expectError({ type: 'join', room: 'secret' })).code).toBe('forbidden');
    expect((await client.expectError({ type: 'send', room: 'secret', text: 'sneaking in' })).code).toBe('forbidden');
    // The pattern is anchored: a prefix or suffix around an allowed name is not allowed.
    expect((await client.expectError({ type: 'join', room: 'xteam-a' })).code).toBe('forbidden');
    expect((await client.expectError({ type: 'join', room: 'team' })).code).toBe('forbidden');
    expect(isJoined(await client.join('team-b'), 'team-b')).toBe(true);
    expect(client.isOpen).toBe(true);
    const q = `token=${encodeURIComponent(mallory)}`;
    for (const [method, path] of [
      ['GET', `/sse?rooms=team-a,secret&${q}`],
      ['GET', `/poll?rooms=secret&${q}`],
      ['POST', `/rooms/secret/messages?${q}`],
      ['GET', `/rooms/secret/messages?${q}`],
      ['GET', `/rooms/secret/presence?${q}`],
    ] as const) {
      const answer = await httpRequest(node, path, { method, headers: { 'content-type': 'application/json' }, ...(method === 'POST' ? { body: '{"text":"x"}' } : {}) });
      expect(answer.status, `${method} ${path}`).toBe(403);
      expect(errorCodeOf(answer)).toBe('forbidden');
    }
    const history = await fetchJson<{ messages: unknown[] }>(`${node.http}/rooms/secret/messages?token=${encodeURIComponent(alice.replace(/.$/, ''))}`);
    expect(history.status).toBe(401);
    await honest.check();
  });

  it('a line client whose token does not allow lobby is told forbidden and cannot post there', async () => {
    const teamOnly = await signToken({ sub: 'carol', nick: 'Carol', rooms: ['team-*'] }, SECRET);
    const line = resources.track(await connectLineWithToken(node, teamOnly));
    await line.waitForLine(/^status ! forbidden: /);
    await honest.receiver.join('lobby').catch(() => undefined);
    const from = line.mark();
    line.send('msg ! from a client without lobby');
    const reply = await Promise.race([
      line.waitForLine(/^status ! forbidden: /, { from }).then(() => 'refused'),
      honest.receiver.waitForMessage('lobby', 'from a client without lobby').then(() => 'delivered to lobby'),
    ]);
    expect(reply).toBe('refused');
    await honest.check();
    expect(honest.receiver.messages('lobby').some((message) => message.text === 'from a client without lobby')).toBe(false);
  });
});

describe('nick spoofing: the nick comes from the token', () => {
  it('ws: ?nick=, nick and join-with-nick cannot take another name; messages carry the token nick', async () => {
    const client = resources.track(await connectJsonWithNick(mallory, 'Alice'));
    expect(client.welcome.nick).toBe('Mallory');
    expect((await client.expectError({ type: 'nick', nick: 'Alice' })).code).toBe('forbidden');
    expect((await client.expectError({ type: 'join', room: 'team-a', nick: 'Alice' })).code).toBe('forbidden');
    await client.join('team-a');
    await client.say('team-a', 'who am i');
    expect((await honest.receiver.waitForMessage('team-a', 'who am i')).nick).toBe('Mallory');
    await honest.check();
  });

  it('POST body nick, SSE ?nick= and line `nick !` are ignored or refused', async () => {
    const post = await httpRequest(node, `/rooms/team-a/messages?token=${encodeURIComponent(mallory)}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'posted as alice?', nick: 'Alice' }),
    });
    expect([200, 201, 403]).toContain(post.status);
    if (post.status !== 403) expect((await honest.receiver.waitForMessage('team-a', 'posted as alice?')).nick).toBe('Mallory');
    const sse = await SseClient.open(node.http, `rooms=team-a&nick=Alice&token=${encodeURIComponent(mallory)}`);
    try {
      expect((await sse.next((event) => event.type === 'welcome')).data.nick).toBe('Mallory');
    } finally {
      sse.close();
    }
    const line = resources.track(await connectLineWithToken(node, mallory));
    const from = line.mark();
    line.send('nick ! Alice');
    await line.waitForLine(/^status ! forbidden: /, { from });
    await honest.receiver.join('lobby').catch(() => undefined);
    line.send('msg ! line as alice?');
    expect((await honest.receiver.waitForMessage('lobby', 'line as alice?')).nick).toBe('Mallory');
    const tcp = resources.track(await TcpLineClient.connect(node.tcpPort));
    tcp.send(`auth ! ${mallory}`);
    tcp.send('nick ! Alice');
    await tcp.waitForLine(/^status ! forbidden: /);
    await honest.check();
  });
});

/** The shared JSON client with both `?token=` and a `?nick=` that tries to override it. */
function connectJsonWithNick(token: string, nick: string): Promise<JsonWsClient> {
  return JsonWsClient.connect(`${node.ws}/ws?nick=${encodeURIComponent(nick)}&token=${encodeURIComponent(token)}&path=`);
}
