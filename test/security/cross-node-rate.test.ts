import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signToken } from '../../services/gateway/src/auth/token.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { startRedisServer, type RedisServer, Collector } from '@chat/testkit';

const SECRET = 'cross-node-rate-secret-0123456789';
const BURST = 3;
const settings = { AUTH_SECRET: SECRET, RATE_SENDS_PER_SEC: '1', RATE_SENDS_BURST: String(BURST), RATE_JOINS_PER_SEC: '0' };

type Frame = { type: string; code?: string; retryAfterMs?: number; cid?: string | null };

/** A /ws client authenticated as `user`, recording every frame. */
async function connect(node: TestNode, user: string): Promise<{ socket: WebSocket; frames: Collector<Frame> }> {
  const token = await signToken({ sub: user, exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);
  const socket = new WebSocket(`${node.ws}/ws?token=${token}`);
  const frames = new Collector<Frame>();
  socket.on('message', (data) => frames.push(JSON.parse(data.toString()) as Frame));
  await frames.waitFor((items) => items.some((frame) => frame.type === 'welcome'), { what: 'welcome' });
  return { socket, frames };
}

/** Sends one message and waits for its answer: an ack or an error naming its cid. */
async function send(client: { socket: WebSocket; frames: Collector<Frame> }, cid: string): Promise<Frame> {
  client.socket.send(JSON.stringify({ type: 'send', room: 'budget', text: `message ${cid}`, cid }));
  const frames = await client.frames.waitFor((items) => items.some((frame) => frame.cid === cid), { what: `answer to ${cid}` });
  return frames.find((frame) => frame.cid === cid)!;
}

describe('a user\'s send budget is shared across nodes', () => {
  let redis: RedisServer;
  let a: TestNode;
  let b: TestNode;
  const sockets: WebSocket[] = [];

  beforeAll(async () => {
    redis = await startRedisServer();
    [a, b] = await Promise.all([startNode('rate-a', redis.url, settings), startNode('rate-b', redis.url, settings)]);
  });
  afterAll(async () => {
    for (const socket of sockets) socket.terminate();
    await Promise.all([a?.drain(), b?.drain()]);
    await redis?.stop();
  });

  it('a user who spends the burst on one node is rate limited on the other, while another user is not', async () => {
    const onA = await connect(a, 'mallory');
    const onB = await connect(b, 'mallory');
    const honest = await connect(b, 'alice');
    sockets.push(onA.socket, onB.socket, honest.socket);

    for (let i = 0; i < BURST; i++) expect((await send(onA, `a-${i}`)).type).toBe('ack');
    const elsewhere = await send(onB, 'b-0');
    expect(elsewhere).toMatchObject({ type: 'error', code: 'rate_limited' });
    expect(elsewhere.retryAfterMs).toBeGreaterThan(0);
    expect(elsewhere.retryAfterMs).toBeLessThanOrEqual(1000);

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
