import { ChatClient, type ChatMessage, type ConnectionStatus, type TransportName } from '@chat/client';
import type { ServerEvent } from '@chat/protocol';
import { Collector } from '@chat/testkit';
import { EventSource } from 'eventsource';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signToken } from '../../services/gateway/src/auth/token.js';
import { FeatureSseClient, ofType } from '../gateway/chat-features-support.js';
import { startNode, useTwoNodes, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { TcpLineClient } from '../gateway/helpers/line-clients.js';
import { Resources } from '../gateway/helpers/resources.js';
import { httpRequest, probeWs, wsUrl } from './helpers/probes.js';

const SECRET = 'token-expiry-test-secret';
const resources = new Resources();
let a: TestNode;
let b: TestNode;
let lenient: TestNode;
let redisUrl: string;
useTwoNodes(resources, { AUTH_SECRET: SECRET, TCP_PORT: '0' }, (nodes) => {
  ({ a, b } = nodes);
  redisUrl = nodes.redis.url;
});

beforeAll(async () => {
  lenient = await startNode('lenient', redisUrl, { AUTH_SECRET: SECRET, AUTH_REQUIRE_EXP: 'false' });
  resources.track({ close: () => lenient.drain() });
});
afterAll(() => resources.closeAll());

/** A token expiring at the next whole second at least `seconds` from now; its exp in ms. */
async function tokenFor(sub: string, seconds: number): Promise<{ token: string; expMs: number }> {
  const exp = Math.ceil(Date.now() / 1000 + seconds);
  return { token: await signToken({ sub, rooms: ['*'], exp }, SECRET), expMs: exp * 1000 };
}
const withoutExp = (sub: string): Promise<string> => new SignJWT({ sub }).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(new TextEncoder().encode(SECRET));

describe('AUTH_REQUIRE_EXP', () => {
  it('a token without exp is refused on WebSocket (4001) and HTTP (401), and accepted where AUTH_REQUIRE_EXP=false', async () => {
    const token = await withoutExp('forever');
    expect((await probeWs(wsUrl(a, '/ws', token))).close?.code).toBe(4001);
    const post = await httpRequest(a, '/rooms/lobby/messages', { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"text":"hi"}' });
    expect(post.status).toBe(401);
    expect(post.body).toContain('exp');
    const accepted = resources.track(await JsonWsClient.connect(lenient.ws, { token }));
    expect(accepted.welcome.nick).toBe('forever');
  });
});

describe('a connection ends when its token expires, unless refreshed', () => {
  it('WebSocket: closed with 4002 token_expired at exp', async () => {
    const { token, expMs } = await tokenFor('wanda', 1.5);
    const client = resources.track(await JsonWsClient.connect(a.ws, { token }));
    await client.join('expiring');
    const closed = await client.waitForClose(5000);
    const lateMs = Date.now() - expMs;
    expect(closed).toEqual({ code: 4002, reason: 'token expired' });
    expect(lateMs).toBeGreaterThanOrEqual(-50);
    expect(lateMs).toBeLessThan(1000);
    console.log(JSON.stringify({ tokenExpiry: 'ws', closedAfterExpMs: lateMs }));
  });

  it('WebSocket: a refresh with a newer token of the same user keeps it open past the old exp; a foreign or older one is refused', async () => {
    const first = await tokenFor('rita', 1.5);
    const client = resources.track(await JsonWsClient.connect(a.ws, { token: first.token }));
    await client.join('refreshing');
    const foreign = await tokenFor('mallory', 60);
    expect((await client.expectError({ type: 'refresh', token: foreign.token })).code).toBe('forbidden');
    expect((await client.expectError({ type: 'refresh', token: 'not.a.token' })).code).toBe('unauthorized');
    const newer = await tokenFor('rita', 60);
    const refreshed = await client.request({ type: 'refresh', token: newer.token }, ofType('refreshed'));
    expect(refreshed.exp * 1000).toBe(newer.expMs);
    await new Promise((resolve) => setTimeout(resolve, first.expMs - Date.now() + 500));
    expect(client.isOpen).toBe(true);
    await client.request({ type: 'ping' }, ofType('pong'));
    const sent = await client.say('refreshing', 'still here');
    expect(sent.offset).toBeGreaterThan(0);
  });

  it('SSE: the stream gets error token_expired and ends at exp', async () => {
    const { token, expMs } = await tokenFor('sam', 1.5);
    const sse = new FeatureSseClient(b.http, `rooms=expiring-sse&token=${encodeURIComponent(token)}`);
    resources.track({ close: async () => sse.close() });
    await sse.next(ofType('joined', 'expiring-sse'));
    const expired = await sse.next((event: ServerEvent): event is ServerEvent => event.type === 'error' && event.code === 'token_expired');
    const lateMs = Date.now() - expMs;
    expect(expired).toMatchObject({ code: 'token_expired' });
    expect(lateMs).toBeLessThan(1000);
    console.log(JSON.stringify({ tokenExpiry: 'sse', endedAfterExpMs: lateMs }));
  });

  it('TCP line protocol: told and disconnected at exp', async () => {
    const { token } = await tokenFor('tess', 1.5);
    const tcp = resources.track(await TcpLineClient.connect(a.tcpPort));
    tcp.send(`auth ! ${token}`);
    await tcp.waitForLine('status ! disconnected: token expired', { timeoutMs: 5000 });
    await tcp.waitForEnd();
  });
});

describe('the SDK renews its token with getToken', () => {
  for (const transport of ['websocket', 'sse'] as const satisfies readonly TransportName[]) {
    it(`${transport}: stays (or comes back) connected over three token lifetimes and loses no message`, async () => {
      const room = `renewing-${transport}`;
      let asked = 0;
      const getToken = async (): Promise<string> => {
        asked += 1;
        return (await tokenFor('sdk-user', 1.5)).token;
      };
      const client = new ChatClient({ url: a.http, rooms: [room], token: await getToken(), getToken, transports: [transport], WebSocket, EventSource });
      const messages = new Collector<ChatMessage>();
      const statuses = new Collector<ConnectionStatus>();
      client.on('message', messages.push);
      client.on('status', statuses.push);
      client.start();
      resources.track({ close: async () => client.stop() });
      await statuses.waitFor((items) => items.some((status) => status.state === 'connected'), { what: 'connected' });
      const sender = resources.track(await JsonWsClient.connect(b.ws, { token: (await tokenFor('sender', 60)).token }));
      const started = Date.now();
      const texts: string[] = [];
      for (let index = 0; Date.now() - started < 4500; index++) {
        texts.push(`m${index}`);
        await sender.say(room, `m${index}`);
        await new Promise((resolve) => setTimeout(resolve, 150));
      }
      await messages.waitFor((items) => texts.every((text) => items.some((message) => message.text === text)), { timeoutMs: 10_000, what: 'every message' });
      expect(messages.items.filter((message) => message.room === room).map((message) => message.text)).toEqual(texts);
      const reconnects = statuses.items.filter((status) => status.state === 'reconnecting').length;
      expect(asked).toBeGreaterThanOrEqual(3);
      // A WebSocket refreshes in place; a stream ends at each exp and is reopened with the new token.
      if (transport === 'websocket') expect(reconnects).toBe(0);
      else expect(reconnects).toBeGreaterThanOrEqual(1);
      console.log(JSON.stringify({ sdkRenewal: transport, getTokenCalls: asked, reconnects, messages: texts.length }));
    });
  }
});

