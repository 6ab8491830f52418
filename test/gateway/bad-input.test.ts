import { execFile } from 'node:child_process';
import type { ErrorEvent } from '@chat/protocol';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { type RedisServer } from '@chat/testkit';
import { isError } from './helpers/frames.js';
import { startNode, useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { fetchJson, postMessage } from './helpers/http-client.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { bodyOf, rawHandshake } from './helpers/raw-handshake.js';
import { Resources } from './helpers/resources.js';

const MAX_TEXT_LENGTH = 50;
const MAX_FRAME_BYTES = 1024;
const MAX_ROOMS = 3;
const resources = new Resources();
let redis: RedisServer;
let a: TestNode;
let b: TestNode;

const limits = { MAX_TEXT_LENGTH: String(MAX_TEXT_LENGTH), MAX_FRAME_BYTES: String(MAX_FRAME_BYTES), MAX_ROOMS_PER_CONNECTION: String(MAX_ROOMS) };
useTwoNodes(resources, limits, (nodes) => ({ redis, a, b } = nodes));

describe('WebSocket bad input: a clear error, and the connection stays usable', () => {
  const room = 'bad-input';
  let client: JsonWsClient;
  let watcher: JsonWsClient;
  let goodSends = 0;

  beforeAll(async () => {
    client = resources.track(await JsonWsClient.connect(a.ws, { nick: 'fuzzer' }));
    watcher = resources.track(await JsonWsClient.connect(b.ws, { nick: 'watcher' }));
    await client.join(room);
    await watcher.join(room);
  });

  it('a ?nick= that is no valid nick: welcome with a guest nick, then an invalid_nick error saying so, and the connection works', async () => {
    const guest = resources.track(await JsonWsClient.connect(a.ws, { nick: 'n'.repeat(33) }));
    expect(guest.welcome.nick).toMatch(/^guest-/);
    const error = await guest.next((frame): frame is ErrorEvent => isError(frame, 'invalid_nick'));
    expect(error).toMatchObject({ code: 'invalid_nick' });
    expect(error.message).toContain(guest.welcome.nick);
    await guest.join(room);
    const named = resources.track(await JsonWsClient.connect(a.ws, { nick: 'fine-nick' }));
    expect(named.welcome.nick).toBe('fine-nick');
    await named.join(room);
    expect(named.frames.items.filter((frame) => frame.type === 'error')).toEqual([]);
  });

  /** Proves the connection still works: a good send is acked and delivered across nodes. */
  async function stillUsable(): Promise<void> {
    goodSends += 1;
    const text = `still fine ${goodSends}`;
    const ack = await client.say(room, text);
    expect(ack.duplicate).toBe(false);
    await watcher.waitForMessage(room, text);
    expect(client.isOpen).toBe(true);
  }

  const cases: Array<[string, string | Record<string, unknown>, string]> = [
    ['non-JSON text', 'this is not json', 'bad_json'],
    ['a JSON array', '[1,2,3]', 'bad_json'],
    ['a JSON string', '"send"', 'bad_json'],
    ['an object without type', { room }, 'bad_request'],
    ['an unknown type', { type: 'dance', room }, 'unknown_type'],
    ['a join of an invalid room name', { type: 'join', room: 'bad room!' }, 'invalid_room'],
    ['a send to an invalid room name', { type: 'send', room: 'x'.repeat(65), text: 'hi' }, 'invalid_room'],
    ['a text longer than MAX_TEXT_LENGTH', { type: 'send', room, text: 'x'.repeat(MAX_TEXT_LENGTH + 1) }, 'text_too_long'],
    ['a text that is a number', { type: 'send', room, text: 42 }, 'invalid_text'],
    ['an empty text', { type: 'send', room, text: '' }, 'invalid_text'],
    ['a text with a lone surrogate (valid JSON, not UTF-8)', { type: 'send', room, text: 'a\ud800b' }, 'invalid_text'],
    ['a nick with a lone surrogate', { type: 'nick', nick: 'bad\udc00' }, 'invalid_nick'],
    ['a room that is a number', { type: 'join', room: 7 }, 'invalid_room'],
    ['a malformed since', { type: 'join', room, since: { epoch: 5, offset: 'x' } }, 'bad_request'],
    ['a leave of a room not joined', { type: 'leave', room: 'never-joined' }, 'not_joined'],
    ['an invalid nick', { type: 'nick', nick: 'x'.repeat(33) }, 'invalid_nick'],
  ];

  for (const [name, frame, code] of cases) {
    it(`${name} gets error ${code}`, async () => {
      const error = typeof frame === 'string' ? await client.expectError(frame, true) : await client.expectError(frame);
      expect(error.code).toBe(code);
      expect(typeof error.message).toBe('string');
      expect(error.message.length).toBeGreaterThan(0);
      await stillUsable();
    });
  }

  it(`MAX_TEXT_LENGTH (${MAX_TEXT_LENGTH}) counts characters, not UTF-16 units: that many emoji are one message`, async () => {
    const text = '\u{1F600}'.repeat(MAX_TEXT_LENGTH);
    const ack = await client.say(room, text);
    expect(ack.duplicate).toBe(false);
    await watcher.waitForMessage(room, text);
    const error = await client.expectError({ type: 'send', room, text: `${text}x` });
    expect(error.code).toBe('text_too_long');
  });

  it('an error about a frame that does not parse still names its type, room and cid, so the client knows which request failed', async () => {
    const edit = await client.expectError({ type: 'edit', room, offset: 'x', text: 'y', cid: 'edit-bad-offset' });
    expect(edit).toMatchObject({ code: 'bad_request', for: 'edit', room, cid: 'edit-bad-offset' });
    const join = await client.expectError({ type: 'join', room, since: { epoch: 5 } });
    expect(join).toMatchObject({ code: 'bad_request', for: 'join', room });
    await stillUsable();
  });

  it('a binary frame gets error binary_not_supported', async () => {
    const from = client.mark();
    client.sendRaw(Buffer.from(JSON.stringify({ type: 'send', room, text: 'bin' })), { binary: true });
    const error = await client.next((frame): frame is ErrorEvent => isError(frame), { from });
    expect(error.code).toBe('binary_not_supported');
    await stillUsable();
  });

  it(`joining more than MAX_ROOMS_PER_CONNECTION (${MAX_ROOMS}) rooms gets error too_many_rooms`, async () => {
    const extra = resources.track(await JsonWsClient.connect(a.ws));
    for (let index = 1; index <= MAX_ROOMS; index++) await extra.join(`many-${index}`);
    const error = await extra.expectError({ type: 'join', room: 'one-too-many' });
    expect(error.code).toBe('too_many_rooms');
    const ack = await extra.say('many-1', 'still here');
    expect(ack.room).toBe('many-1');
    await extra.waitForMessage('many-1', 'still here');
  });

  it('invalid UTF-8 in a text frame closes with 1007, and the node keeps serving others', async () => {
    const victim = resources.track(await JsonWsClient.connect(a.ws));
    const bytes = Buffer.concat([Buffer.from('{"type":"send","room":"bad-input","text":"'), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('"}')]);
    victim.sendRaw(bytes, { binary: false });
    const closed = await victim.waitForClose();
    expect(closed.code).toBe(1007);
    await stillUsable();
    const next = resources.track(await JsonWsClient.connect(a.ws));
    expect((await next.request({ type: 'ping' }, (frame) => frame.type === 'pong')).type).toBe('pong');
  });

  it('a frame bigger than MAX_FRAME_BYTES closes with 1009, and the node keeps serving others', async () => {
    const victim = resources.track(await JsonWsClient.connect(a.ws));
    victim.send({ type: 'send', room, text: 'x'.repeat(MAX_FRAME_BYTES + 10) });
    const closed = await victim.waitForClose();
    expect(closed.code).toBe(1009);
    await stillUsable();
  });
});

describe('HTTP bad input: 4xx with a JSON {error:{code,message}}', () => {
  const room = 'http-bad';

  async function rawPost(body: string, contentType = 'application/json'): Promise<{ status: number; code: unknown }> {
    const answer = await fetchJson<{ error?: { code?: unknown; message?: unknown } }>(`${a.http}/rooms/${room}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': contentType },
      body,
    });
    expect(typeof answer.body.error?.message).toBe('string');
    return { status: answer.status, code: answer.body.error?.code };
  }

  it('POST with bad JSON is 400 bad_json', async () => {
    expect(await rawPost('{"text": nope')).toEqual({ status: 400, code: 'bad_json' });
    expect(await rawPost('[1,2]')).toEqual({ status: 400, code: 'bad_json' });
  });

  it('POST with a non-JSON content type is refused with a 4xx JSON error', async () => {
    const answer = await rawPost('text=hello', 'application/x-www-form-urlencoded');
    expect([400, 415]).toContain(answer.status);
    expect(typeof answer.code).toBe('string');
  });

  it('curl -d with a JSON body is taken without the JSON content type; a browser (Origin) must send application/json', async () => {
    const curl = (...args: string[]): Promise<string> =>
      new Promise((resolve, reject) => execFile('curl', ['-sS', '-w', ' %{http_code}', ...args, `${a.http}/rooms/${room}/messages`], (error: Error | null, stdout: string) => (error ? reject(error) : resolve(stdout))));
    const plain = await curl('-d', '{"text":"from curl","nick":"shell"}');
    expect(plain).toMatch(/ 201$/);
    expect(JSON.parse(plain.slice(0, -4))).toMatchObject({ room, duplicate: false });
    const history = await fetchJson<{ messages: Array<{ text: string }> }>(`${a.http}/rooms/${room}/messages?limit=1`);
    expect(history.body.messages.at(-1)?.text).toBe('from curl');
    const fromPage = await curl('-H', `Origin: http://127.0.0.1:${a.port}`, '-d', '{"text":"from a form"}');
    expect(fromPage).toMatch(/ 400$/);
    expect(JSON.parse(fromPage.slice(0, -4))).toMatchObject({ error: { code: 'bad_request', message: 'send the body as application/json' } });
    expect(await curl('-d', 'text=hello')).toMatch(/"code":"bad_json".* 400$/);
  });

  it('POST with a body larger than MAX_FRAME_BYTES is 413', async () => {
    const answer = await rawPost(JSON.stringify({ text: 'x', padding: 'p'.repeat(MAX_FRAME_BYTES * 4) }));
    expect(answer).toEqual({ status: 413, code: 'frame_too_big' });
  });

  it('POST with a wrong text is 400', async () => {
    expect((await postMessage(a.http, room, { text: 42 })).status).toBe(400);
    expect((await postMessage(a.http, room, { text: 'lone \ud800' })).body.error?.code).toBe('invalid_text');
    expect((await postMessage(a.http, room, { text: 'x'.repeat(MAX_TEXT_LENGTH + 1) })).body.error?.code).toBe('text_too_long');
  });

  it('POST to an invalid room is 400 invalid_room', async () => {
    const answer = await postMessage(a.http, 'bad room!', { text: 'hi' });
    expect(answer.status).toBe(400);
    expect(answer.body.error?.code).toBe('invalid_room');
  });

  it('an SSE request with an invalid room list is 400 JSON, not a stream', async () => {
    const response = await fetch(`${a.http}/sse?rooms=${encodeURIComponent('bad room!')}`);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await response.json()).toMatchObject({ error: { code: 'invalid_room' } });
    const missing = await fetchJson(`${a.http}/sse`);
    expect(missing.status).toBe(400);
  });

  it('a poll with a malformed cursor is 400 bad_cursor', async () => {
    for (const cursor of ['not-base64-json', '!!!', Buffer.from('{"bad room":["e",1]}').toString('base64url')]) {
      const answer = await fetchJson(`${b.http}/poll?rooms=${room}&cursor=${encodeURIComponent(cursor)}&timeout=1`);
      expect(answer.status, cursor).toBe(400);
      expect(answer.body, cursor).toMatchObject({ error: { code: 'bad_cursor' } });
    }
  });

  it('history with limit=abc is 400', async () => {
    const answer = await fetchJson(`${b.http}/rooms/${room}/messages?limit=abc`);
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ error: { code: 'bad_request' } });
    expect((await fetchJson(`${b.http}/rooms/${room}/messages?since=-1`)).status).toBe(400);
  });

  it('a query string that is not UTF-8 is 400 bad_request on every transport, never a nick of U+FFFD', async () => {
    for (const target of [`/sse?rooms=${room}&nick=%ff`, `/xhr-stream?rooms=${room}&nick=%c3%28`, `/poll?rooms=${room}&nick=bob%ff&timeout=0`, `/rooms/${room}/messages?limit=1&x=%80`]) {
      const answer = await fetchJson(`${a.http}${target}`);
      expect(answer.status, target).toBe(400);
      expect(answer.body, target).toMatchObject({ error: { code: 'bad_request', message: 'the query string is not valid UTF-8' } });
    }
    const upgrade = new WebSocket(`${a.ws}/ws?nick=%ff`);
    upgrade.on('error', () => undefined);
    const status = await new Promise<number>((resolve, reject) => {
      upgrade.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
      upgrade.once('open', () => reject(new Error('the upgrade was accepted')));
    });
    upgrade.terminate();
    expect(status).toBe(400);
    const euro = await fetchJson<{ events: Array<{ type: string }> }>(`${a.http}/poll?rooms=${room}&nick=${encodeURIComponent('5\u20ac')}&timeout=0`);
    expect(euro.status).toBe(200);
  });

  it('an empty since, before, limit or timeout counts as not given (`?since=&limit=`)', async () => {
    const page = await fetchJson<{ messages: unknown[] }>(`${b.http}/rooms/${room}/messages?since=&limit=`);
    expect(page.status).toBe(200);
    expect(Array.isArray(page.body.messages)).toBe(true);
    expect((await fetchJson(`${b.http}/rooms/${room}/messages?before=&limit=2`)).status).toBe(200);
    const polled = await fetchJson<{ cursor: string }>(`${b.http}/poll?rooms=${room}&cursor=&timeout=`);
    expect(polled.status).toBe(200);
    expect(typeof polled.body.cursor).toBe('string');
  });

  it('a plain GET of /ws or /ws/line is 426 upgrade_required, not a missing file', async () => {
    for (const path of ['/ws', '/ws/line']) {
      const response = await fetch(`${a.http}${path}`);
      expect(response.status, path).toBe(426);
      expect(response.headers.get('upgrade'), path).toBe('websocket');
      expect(await response.json(), path).toMatchObject({ error: { code: 'upgrade_required' } });
    }
  });

  it('a malformed WebSocket handshake is refused in the JSON error shape, not a text/html page', async () => {
    const handshake = (headers: string): Promise<string> => rawHandshake(a.port, '/ws', headers);
    const noKey = await handshake('Sec-WebSocket-Version: 13\r\n');
    expect(noKey).toMatch(/^HTTP\/1\.1 400 /);
    expect(noKey).toMatch(/content-type: application\/json/i);
    expect(bodyOf(noKey)).toMatchObject({ error: { code: 'bad_request' } });
    const badVersion = await handshake('Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 99\r\n');
    expect(badVersion).toMatch(/^HTTP\/1\.1 400 /);
    expect(badVersion).toMatch(/sec-websocket-version: 13, 8/i);
    expect(badVersion).toMatch(/"code":"bad_request"/);
  });

  it('the node still answers good requests afterwards', async () => {
    const answer = await postMessage(a.http, room, { text: 'fine', nick: 'ok' });
    expect(answer.status).toBe(201);
  });
});

describe('rate limits (RATE_SENDS_PER_SEC=1, RATE_SENDS_BURST=2, on a third node)', () => {
  let c: TestNode;

  beforeAll(async () => {
    c = await startNode('node-c', redis.url, { RATE_SENDS_PER_SEC: '1', RATE_SENDS_BURST: '2' });
    resources.track({ close: () => c.drain() });
  });

  it('a burst over the limit gets error rate_limited with retryAfterMs, and sending works again after that wait', async () => {
    const room = 'rate-ws';
    const client = resources.track(await JsonWsClient.connect(c.ws));
    await client.join(room);
    await client.say(room, 'one');
    await client.say(room, 'two');
    const error = await client.expectError({ type: 'send', room, text: 'three' });
    expect(error.code).toBe('rate_limited');
    expect(typeof error.retryAfterMs).toBe('number');
    expect(error.retryAfterMs).toBeGreaterThan(0);
    expect(client.isOpen).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, Number(error.retryAfterMs) + 50)); // the server's own instruction
    const ack = await client.say(room, 'four');
    expect(ack.duplicate).toBe(false);
  });

  it('continued abuse closes the connection with 4029', async () => {
    const client = resources.track(await JsonWsClient.connect(c.ws));
    for (let index = 0; index < 20 && client.isOpen; index++) client.send({ type: 'send', room: 'rate-abuse', text: `spam ${index}` });
    const closed = await client.waitForClose();
    expect(closed.code).toBe(4029);
  });

  it('POST over the limit is 429 with Retry-After', async () => {
    const answers = [];
    for (let index = 0; index < 4; index++) answers.push(await postMessage(c.http, 'rate-post', { text: `post ${index}` }));
    expect(answers.slice(0, 2).map((answer) => answer.status)).toEqual([201, 201]);
    const limited = answers.find((answer) => answer.status === 429);
    expect(limited).toBeDefined();
    expect(limited?.body.error?.code).toBe('rate_limited');
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
  });
});
