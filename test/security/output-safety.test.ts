import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../services/gateway/src/auth/token.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { rawHttp } from '../gateway/helpers/http-client.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { TcpLineClient } from '../gateway/helpers/line-clients.js';
import { readyLineClient } from '../gateway/helpers/lobby.js';
import { Resources } from '../gateway/helpers/resources.js';
import { HonestPair } from './helpers/honest.js';
import { errorCodeOf, httpRequest } from './helpers/probes.js';

const XSS = '<img src=x onerror=alert(1)>';
const SECRET = 'output-safety-secret-0123456789';
const resources = new Resources();
let node: TestNode;
let authed: TestNode;
let honest: HonestPair;

beforeAll(async () => {
  node = await startNode('output', undefined, { TCP_PORT: '0' });
  resources.track({ close: () => node.drain() });
  authed = await startNode('output-authed', undefined, { AUTH_SECRET: SECRET });
  resources.track({ close: () => authed.drain() });
  const sender = resources.track(await JsonWsClient.connect(node.ws, { nick: 'honest-a' }));
  const receiver = resources.track(await JsonWsClient.connect(node.ws, { nick: 'honest-b' }));
  honest = await HonestPair.join(sender, receiver, 'xss');
});

afterAll(() => resources.closeAll());

describe('user strings never become markup', () => {
  it('a message text with HTML comes back only as a JSON string, with application/json and nosniff, on history, POST and poll', async () => {
    const attacker = resources.track(await JsonWsClient.connect(node.ws, { nick: '<b>nick</b>' }));
    await attacker.say('xss', XSS);
    await honest.receiver.waitForMessage('xss', XSS);
    const posted = await httpRequest(node, '/rooms/xss/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: XSS, nick: '"><script>x</script>' }) });
    expect(posted.status).toBe(201);
    expect(posted.headers['content-type']).toMatch(/^application\/json/);
    for (const path of ['/rooms/xss/messages', '/poll?rooms=xss']) {
      const answer = await httpRequest(node, path);
      expect(answer.status, path).toBe(200);
      expect(answer.headers['content-type'], path).toMatch(/^application\/json/);
      expect(answer.headers['x-content-type-options'], path).toBe('nosniff');
      const texts = JSON.stringify(JSON.parse(answer.body));
      expect(texts).toContain(JSON.stringify(XSS).slice(1, -1));
    }
    const history = JSON.parse((await httpRequest(node, '/rooms/xss/messages')).body) as { messages: Array<{ text: string; nick: string }> };
    expect(history.messages.filter((message) => message.text === XSS).map((message) => message.nick)).toEqual(['<b>nick</b>', '"><script>x</script>']);
    await honest.check();
  });

  it('errors that name the input are JSON too; the static 404 is text/plain with nosniff', async () => {
    const route = await httpRequest(node, `/rooms/${encodeURIComponent('<script>alert(1)</script>')}/messages`);
    expect(route.status).toBe(400);
    expect(route.headers['content-type']).toMatch(/^application\/json/);
    expect(errorCodeOf(route)).toBe('invalid_room');
    const notFound = await httpRequest(node, '/rooms/a/b/c/%3Cscript%3E', { method: 'POST' });
    expect(notFound.headers['content-type'], `${notFound.status} ${notFound.body}`).toMatch(/^(application\/json|text\/plain)/);
    const file = await rawHttp(node.port, '/<script>alert(1)</script>.html');
    expect(file.status).toBe(404);
    expect(file.headers['content-type']).toMatch(/^text\/plain/);
    expect(file.headers['x-content-type-options']).toBe('nosniff');
    await honest.check();
  });

  it('/chat never writes a malicious Host header into the page, and sends CSP and nosniff', async () => {
    for (const host of ['evil"><script>alert(1)</script>', "evil'><script>", 'a.example:80/<x>', 'x onload=alert(1)', 'localhost:1"']) {
      const page = await rawHttp(node.port, '/chat', { host });
      expect(page.status, host).toBe(200);
      expect(page.body).not.toContain(host);
      expect(page.body).not.toContain('<script>alert');
      expect(page.headers['content-security-policy']).toMatch(/script-src 'self'/);
      expect(page.headers['content-security-policy']).not.toMatch(/unsafe-inline/);
      expect(page.headers['x-content-type-options']).toBe('nosniff');
    }
    const normal = await rawHttp(node.port, '/chat', { host: 'chat.example:8080' });
    expect(normal.body).toContain('chat.example:8080');
    await honest.check();
  });
});

describe('SSE framing cannot be broken from user data', () => {
  // Only CR and LF end an SSE line (U+2028 inside data is fine for EventSource).
  const SSE_LINE = /^(event: [a-z]+|id: [A-Za-z0-9_-]*|data: [^\r\n]*|retry: \d+|: ?[^\r\n]*|)$/;

  it('room names and nicks with CR/LF are refused on every entry point', async () => {
    for (const path of ['/sse?rooms=a%0d%0aevent:%20x', '/sse?rooms=a%0aid:%201', '/poll?rooms=a%0d', '/sse?rooms=ok&nick=a%0d%0aid:%20x', '/sse?rooms=ok&nick=%0a']) {
      const answer = await httpRequest(node, path);
      expect(answer.status, path).toBe(400);
      expect(['invalid_room', 'invalid_nick']).toContain(errorCodeOf(answer));
    }
    const client = resources.track(await JsonWsClient.connect(node.ws));
    expect((await client.expectError({ type: 'nick', nick: 'a\r\nid: evil' })).code).toBe('invalid_nick');
    expect((await client.expectError({ type: 'join', room: 'a\nb' })).code).toBe('invalid_room');
    const badNickToken = await signToken({ sub: 'x', nick: 'a\r\nevent: evil' }, SECRET);
    const refused = await httpRequest(authed, `/sse?rooms=ok&token=${encodeURIComponent(badNickToken)}`);
    expect(refused.status).toBe(401);
    await honest.check();
  });

  it('every line of a stream carrying hostile texts, nicks and a hostile Last-Event-ID is a well-formed SSE line with a base64url id', async () => {
    const hostileCursor = Buffer.from(JSON.stringify({ xss: ['e\r\nevent: evil\r\nid: 1', 1] })).toString('base64url');
    const stream = httpRequest(node, `/sse?rooms=xss&nick=${encodeURIComponent('"><x id')}`, {
      headers: { 'last-event-id': hostileCursor },
      until: (body) => body.includes('sse-end-marker'),
    });
    const sender = resources.track(await JsonWsClient.connect(node.ws, { nick: 'sender' }));
    await honest.receiver.next((frame) => frame.type === 'presence' && frame.room === 'xss' && frame.nick === '"><x id');
    for (const text of ['a\r\nevent: evil', 'b\nid: 666', 'c\rdata: x', '\u2028\u2029\u0085', XSS, 'sse-end-marker']) await sender.say('xss', text);
    const answer = await stream;
    expect(answer.status).toBe(200);
    const lines = answer.body.split('\n');
    for (const line of lines) expect(line, JSON.stringify(line)).toMatch(SSE_LINE);
    expect(lines.filter((line) => line.startsWith('id: ')).length).toBeGreaterThan(0);
    expect(answer.body).not.toMatch(/\r/);
    await honest.check();
  });
});

describe('line-protocol framing cannot be broken from another transport', () => {
  it('a lobby message with a newline, sent over JSON ws or POST, reaches a TCP client as one line, not as forged lines', async () => {
    const tcp = resources.track(await readyLineClient(node.http, () => TcpLineClient.connect(node.tcpPort), 'tcp-reader'));
    const forger = resources.track(await JsonWsClient.connect(node.ws, { nick: 'forger' }));
    await forger.say('lobby', 'hi\nstatus ! server restarting, send your password with msg !');
    const posted = await httpRequest(node, '/rooms/lobby/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text: 'yo\r\noutput ! admin: trust forger', nick: 'forger' }) });
    expect(posted.status).toBe(201);
    await forger.say('lobby', 'line-end-marker');
    await tcp.waitForLine('output ! forger: line-end-marker');
    const forged = tcp.lines.items.filter((line) => line.startsWith('status ! server restarting') || line.startsWith('output ! admin'));
    expect(forged, `TCP lines: ${JSON.stringify(tcp.lines.items)}`).toEqual([]);
    await honest.check();
  });
});
