import type { ErrorEvent } from '@chat/protocol';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAck, isError } from '../gateway/helpers/frames.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { TcpLineClient, WsLineClient } from '../gateway/helpers/line-clients.js';
import { Resources } from '../gateway/helpers/resources.js';
import { HonestPair } from './helpers/honest.js';
import { errorCodeOf, httpRequest, type HttpAnswer } from './helpers/probes.js';

const BURST = 5;
const JOIN_BURST = 3;
const LIMITS = { RATE_SENDS_PER_SEC: '2', RATE_SENDS_BURST: String(BURST), RATE_JOINS_PER_SEC: '1', RATE_JOINS_BURST: String(JOIN_BURST) };
const resources = new Resources();
/** Trusts X-Forwarded-For only from 10.0.0.0/8, so a loopback peer's header is a lie. */
let untrusting: TestNode;
/** Default TRUSTED_PROXIES (loopback and private nets): X-Forwarded-For from 127.0.0.1 is believed. */
let trusting: TestNode;
let honest: HonestPair;

beforeAll(async () => {
  untrusting = await startNode('rate-untrusting', undefined, { ...LIMITS, TRUSTED_PROXIES: '10.0.0.0/8', TCP_PORT: '0' });
  resources.track({ close: () => untrusting.drain() });
  trusting = await startNode('rate-trusting', undefined, LIMITS);
  resources.track({ close: () => trusting.drain() });
  const sender = resources.track(await JsonWsClient.connect(untrusting.ws, { nick: 'honest-a' }));
  const receiver = resources.track(await JsonWsClient.connect(untrusting.ws, { nick: 'honest-b' }));
  honest = await HonestPair.join(sender, receiver, 'rate-room');
});

afterAll(() => resources.closeAll());

function post(node: TestNode, room: string, text: string, forwardedFor?: string): Promise<HttpAnswer> {
  return httpRequest(node, `/rooms/${room}/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }) },
    body: JSON.stringify({ text }),
  });
}

describe('per-connection send limit on WebSocket', () => {
  it('a flood gets rate_limited with retryAfterMs, then close 4029; the honest pair keeps chatting', async () => {
    const flooder = resources.track(await JsonWsClient.connect(untrusting.ws, { nick: 'flooder' }));
    const frames = Array.from({ length: BURST * 4 }, (_, index) => JSON.stringify({ type: 'send', room: 'rate-room', text: `flood ${index}` }));
    // One TCP write, as a pipelining client's frames arrive: the server handles them in one turn.
    const raw = (flooder.socket as unknown as { _socket: Socket })._socket;
    raw.cork();
    for (const frame of frames) flooder.sendRaw(frame);
    raw.uncork();
    const closed = await flooder.waitForClose();
    expect(closed.code).toBe(4029);
    const limited = flooder.frames.items.filter((frame): frame is ErrorEvent => isError(frame, 'rate_limited'));
    // A pipelining flooder should still be told why before it is dropped.
    expect(limited.length, 'rate_limited errors received before close 4029').toBeGreaterThanOrEqual(1);
    for (const error of limited) expect(error.retryAfterMs).toEqual(expect.any(Number));
    expect(Math.min(...limited.map((error) => error.retryAfterMs as number))).toBeGreaterThan(0);
    // The burst got through (its acks may be lost to the close), nothing past it did.
    for (let index = 0; index < BURST; index += 1) await honest.receiver.waitForMessage('rate-room', `flood ${index}`);
    await honest.check();
    const delivered = honest.receiver.messages('rate-room').filter((message) => message.text.startsWith('flood ')).length;
    expect(delivered).toBeLessThanOrEqual(BURST + 1);
  });

  it('a flood sent one frame per answer sees every rate_limited, then close 4029 after 2x burst of them', async () => {
    const flooder = resources.track(await JsonWsClient.connect(untrusting.ws, { nick: 'flooder-2' }));
    let limited = 0;
    let index = 0;
    while (flooder.isOpen && index < BURST * 5) {
      const from = flooder.mark();
      flooder.send({ type: 'send', room: 'rate-room', text: `stepwise ${index}` });
      index += 1;
      const answer = await Promise.race([flooder.next((frame) => isAck(frame) || isError(frame), { from }), flooder.closed]);
      if ('type' in answer && isError(answer, 'rate_limited')) {
        limited += 1;
        expect(answer.retryAfterMs).toBeGreaterThan(0);
      }
    }
    expect((await flooder.waitForClose()).code).toBe(4029);
    expect(limited).toBeGreaterThanOrEqual(BURST * 2 - 1);
    expect(limited).toBeLessThanOrEqual(BURST * 2);
    await honest.check();
  });

  it('a client that slows down after rate_limited is not closed and is served again', async () => {
    const eager = resources.track(await JsonWsClient.connect(untrusting.ws, { nick: 'eager' }));
    for (let index = 0; index < BURST + 2; index += 1) eager.send({ type: 'send', room: 'rate-room', text: `eager ${index}` });
    const limited = await eager.next((frame): frame is ErrorEvent => isError(frame, 'rate_limited'));
    await eager.frames.waitFor(() => eager.frames.items.filter((frame) => isAck(frame) || isError(frame)).length >= BURST + 2, { what: 'an answer per send' });
    // Wait exactly as long as the server asked; the next send must be accepted.
    await new Promise((resolve) => setTimeout(resolve, Number(limited.retryAfterMs) + 50));
    const ack = await eager.say('rate-room', 'after waiting');
    expect(ack.duplicate).toBe(false);
    expect(eager.isOpen).toBe(true);
    await honest.check();
  });

  it('a join flood gets rate_limited for joins', async () => {
    const joiner = resources.track(await JsonWsClient.connect(untrusting.ws, { nick: 'joiner' }));
    for (let index = 0; index < JOIN_BURST + 3; index += 1) joiner.send({ type: 'join', room: `join-flood-${index}` });
    const limited = await joiner.next((frame): frame is ErrorEvent => isError(frame, 'rate_limited'));
    expect(limited.retryAfterMs).toEqual(expect.any(Number));
    expect(joiner.isOpen).toBe(true);
    await honest.check();
  });
});

describe('per-connection send limit on the line protocol', () => {
  it('ws/line: a flood is told rate_limited and, repeated, closed with 4029', async () => {
    const flooder = resources.track(await WsLineClient.connect(untrusting.ws));
    for (let index = 0; index < BURST * 4; index += 1) flooder.send(`msg ! line flood ${index}`);
    await flooder.waitForLine(/^status ! rate_limited: /);
    const closed = await Promise.race([flooder.closed, new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 2000))]);
    expect(closed?.code, 'ws/line flood of 4x burst should close 4029 like /ws').toBe(4029);
    await honest.check();
  });

  it('TCP: a flood is told rate_limited and, repeated, disconnected', async () => {
    const flooder = resources.track(await TcpLineClient.connect(untrusting.tcpPort));
    for (let index = 0; index < BURST * 4; index += 1) flooder.send(`msg ! tcp flood ${index}`);
    await flooder.waitForLine(/^status ! rate_limited: /);
    await expect(flooder.waitForEnd(2000), 'TCP flood of 4x burst should be disconnected').resolves.toBeUndefined();
    await honest.check();
  });
});

describe('POST send limit per client IP', () => {
  it('a POST flood gets 429 with Retry-After and a rate_limited body; spoofed X-Forwarded-For from an untrusted peer does not reset it', async () => {
    // All at once, as a flood comes: sent one by one on a busy machine, the bucket would refill between them.
    const answers: HttpAnswer[] = await Promise.all(
      Array.from({ length: BURST + 3 }, (_, index) => post(untrusting, 'rate-room', `post ${index}`, `198.51.100.${index}`)),
    );
    const stored = answers.filter((answer) => answer.status === 201);
    const refused = answers.filter((answer) => answer.status !== 201);
    expect(stored.length).toBeGreaterThanOrEqual(BURST);
    expect(stored.length).toBeLessThanOrEqual(BURST + 1);
    expect(refused.length).toBeGreaterThanOrEqual(2);
    for (const answer of refused) {
      expect(answer.status).toBe(429);
      expect(errorCodeOf(answer)).toBe('rate_limited');
      expect(Number(answer.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    }
    // Still refused with yet another forged client address.
    expect((await post(untrusting, 'rate-room', 'spoofed', '203.0.113.77, 10.1.2.3')).status).toBe(429);
    await honest.check();
  });

  it('control: from a trusted proxy, X-Forwarded-For does select the bucket', async () => {
    for (let index = 0; index < BURST; index += 1) expect((await post(trusting, 'r', `a ${index}`, '203.0.113.1')).status).toBe(201);
    expect((await post(trusting, 'r', 'a over', '203.0.113.1')).status).toBe(429);
    expect((await post(trusting, 'r', 'another client', '203.0.113.2')).status).toBe(201);
    await honest.check();
  });
});
