import type { AckEvent, ErrorEvent, ServerEvent } from '@chat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../services/gateway/src/auth/token.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { startRedisServer, type RedisServer } from '@chat/testkit';

const SECRET = 'cross-node-rate-secret-0123456789';
const BURST = 3;
const settings = { AUTH_SECRET: SECRET, RATE_SENDS_PER_SEC: '1', RATE_SENDS_BURST: String(BURST), RATE_JOINS_PER_SEC: '0' };

/** A /ws client authenticated as `user`. */
async function connect(node: TestNode, user: string): Promise<JsonWsClient> {
  const token = await signToken({ sub: user, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);
  return JsonWsClient.connect(node.ws, { token });
}

/** Sends one message and waits for its answer: an ack or an error naming its cid. */
async function send(client: JsonWsClient, cid: string): Promise<AckEvent | ErrorEvent> {
  const from = client.mark();
  client.send({ type: 'send', room: 'budget', text: `message ${cid}`, cid });
  return client.next((frame: ServerEvent): frame is AckEvent | ErrorEvent => (frame.type === 'ack' || frame.type === 'error') && frame.cid === cid, { from });
}

describe('a user\'s send budget is shared across nodes', () => {
  let redis: RedisServer;
  let a: TestNode;
  let b: TestNode;
  const clients: JsonWsClient[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    [a, b] = await Promise.all([startNode('rate-a', redis.url, settings), startNode('rate-b', redis.url, settings)]);
  });
  afterAll(async () => {
    for (const client of clients) client.terminate();
    await Promise.all([a?.drain(), b?.drain()]);
    await redis?.stop();
  });

  it('a user who spends the burst on one node is rate limited on the other, while another user is not', async () => {
    const onA = await connect(a, 'mallory');
    const onB = await connect(b, 'mallory');
    const honest = await connect(b, 'alice');
    clients.push(onA, onB, honest);

    for (let i = 0; i < BURST; i++) expect((await send(onA, `a-${i}`)).type).toBe('ack');
    const elsewhere = await send(onB, 'b-0');
    expect(elsewhere).toMatchObject({ type: 'error', code: 'rate_limited' });
    expect(elsewhere.type === 'error' ? elsewhere.retryAfterMs : undefined).toBeGreaterThan(0);
    expect(elsewhere.type === 'error' ? elsewhere.retryAfterMs : undefined).toBeLessThanOrEqual(1000);

    expect((await send(honest, 'alice-0')).type).toBe('ack');
  });

  it('the same budget covers POST from a token holder, on any node', async () => {
    const token = await signToken({ sub: 'poster', exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);
    const post = (node: TestNode, text: string) =>
      fetch(`${node.http}/rooms/budget/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ text }),
      });
    const statuses: number[] = [];
    for (let i = 0; i < BURST; i++) statuses.push((await post(i % 2 ? a : b, `post ${i}`)).status);
    expect(statuses).toEqual(Array.from({ length: BURST }, () => 201));
    const limited = await post(a, 'one too many');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^\d+$/);
  });
});
