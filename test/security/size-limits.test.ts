import type { ErrorEvent } from '@chat/protocol';
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isError } from '../gateway/helpers/frames.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { Resources } from '../gateway/helpers/resources.js';
import { HonestPair } from './helpers/honest.js';
import { errorCodeOf, httpRequest, probeWs } from './helpers/probes.js';

const MAX_FRAME = 1024;
const MAX_ROOMS = 3;
const resources = new Resources();
let node: TestNode;
let honest: HonestPair;

beforeAll(async () => {
  node = await startNode('sizes', undefined, { MAX_FRAME_BYTES: String(MAX_FRAME), MAX_ROOMS_PER_CONNECTION: String(MAX_ROOMS) });
  resources.track({ close: () => node.drain() });
  const sender = resources.track(await JsonWsClient.connect(node.ws, { nick: 'honest-a' }));
  const receiver = resources.track(await JsonWsClient.connect(node.ws, { nick: 'honest-b' }));
  honest = await HonestPair.join(sender, receiver, 'sizes');
});

afterAll(() => resources.closeAll());

/** Writes `head` (and `body`) on a plain socket and returns the status line and the rest. */
function rawExchange(head: string, body = ''): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port: node.port, host: '127.0.0.1' });
    let text = '';
    socket.setEncoding('latin1');
    socket.setTimeout(5000, () => socket.destroy(new Error('no answer within 5 s')));
    socket.on('data', (chunk: string) => (text += chunk));
    socket.on('error', (error) => (text === '' ? reject(error) : resolve({ status: Number(text.split(' ')[1]), text })));
    socket.on('close', () => resolve({ status: Number(text.split(' ')[1]), text }));
    socket.write(head);
    if (body) socket.write(body);
  });
}

describe('frame, body, header and URL sizes', () => {
  it('a WebSocket frame over MAX_FRAME_BYTES closes 1009 (JSON and line endpoints)', async () => {
    for (const path of ['/ws', '/ws/line']) {
      const outcome = await probeWs(`${node.ws}${path}`, {}, [JSON.stringify({ type: 'send', room: 'sizes', text: 'x'.repeat(MAX_FRAME * 2) })]);
      expect(outcome.close?.code, path).toBe(1009);
    }
    await honest.check();
  });

  it('a POST body over MAX_FRAME_BYTES gets 413 frame_too_big, declared or not', async () => {
    const big = JSON.stringify({ text: 'x'.repeat(MAX_FRAME * 2) });
    const declared = await httpRequest(node, '/rooms/sizes/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: big });
    expect(declared.status).toBe(413);
    expect(errorCodeOf(declared)).toBe('frame_too_big');
    // Chunked, so no Content-Length to refuse early: the limit must hold while reading.
    const chunked = await rawExchange(
      'POST /rooms/sizes/messages HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n',
      `${big.length.toString(16)}\r\n${big}\r\n0\r\n\r\n`,
    );
    expect(chunked.status, `chunked oversized body answered ${JSON.stringify(chunked.text.slice(0, 120))}`).toBe(413);
    expect(chunked.text).toContain('frame_too_big');
    await honest.check();
  });

  it('a header block over 16 KiB gets 431 and a URL over 16 KiB 414 or 431, on plain requests and WebSocket upgrades', async () => {
    const header = await rawExchange(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\nConnection: close\r\n\r\n`);
    expect(header.status).toBe(431);
    const url = await rawExchange(`GET /rooms/sizes/messages?since=1&pad=${'a'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`);
    expect([414, 431]).toContain(url.status);
    const upgrade = await rawExchange(
      `GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nX-Big: ${'a'.repeat(17 * 1024)}\r\n\r\n`,
    );
    expect(upgrade.status).toBe(431);
    await honest.check();
  });
});

describe('rooms per connection', () => {
  it('joining more than MAX_ROOMS_PER_CONNECTION gets too_many_rooms; SSE and poll asking for more get 400', async () => {
    const greedy = resources.track(await JsonWsClient.connect(node.ws, { nick: 'greedy' }));
    for (let index = 0; index < MAX_ROOMS; index += 1) await greedy.join(`room-${index}`);
    const error = await greedy.expectError({ type: 'join', room: 'one-too-many' });
    expect(error.code).toBe('too_many_rooms');
    expect(greedy.isOpen).toBe(true);
    await greedy.join('room-0');
    const rooms = Array.from({ length: MAX_ROOMS + 1 }, (_, index) => `r${index}`).join(',');
    for (const path of [`/sse?rooms=${rooms}`, `/poll?rooms=${rooms}`]) {
      const answer = await httpRequest(node, path);
      expect(answer.status, path).toBe(400);
      expect(errorCodeOf(answer)).toBe('too_many_rooms');
    }
    expect(greedy.frames.items.filter((frame): frame is ErrorEvent => isError(frame)).length).toBe(1);
    await honest.check();
  });
});
