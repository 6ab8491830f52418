import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '@chat/testkit';
import { startNode, type TestNode } from './helpers/gateway-nodes.js';
import { rawHttp } from './helpers/http-client.js';
import { Resources } from './helpers/resources.js';

const resources = new Resources();
let redis: RedisServer;
let nodes: TestNode[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  for (const id of ['node-a', 'node-b']) {
    const node = await startNode(id, redis.url);
    resources.track({ close: () => node.drain() });
    nodes.push(node);
  }
});

afterAll(async () => {
  await resources.closeAll();
  await redis?.stop();
  nodes = [];
});

describe('the chat page and static files', () => {
  it('GET /chat writes the Host header into the page and sends a Content-Security-Policy', async () => {
    for (const node of nodes) {
      const answer = await rawHttp(node.port, '/chat', { host: 'chat.example.test:8443' });
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toMatch(/^text\/html/);
      expect(answer.headers['content-security-policy']).toMatch(/default-src 'self'/);
      expect(answer.headers['x-node-id']).toBe(node.id);
      expect(answer.body).toContain('chat.example.test:8443');
      expect(answer.body).not.toContain('%%HOST:PORT%%');
    }
    const viaFetch = await fetch(`${nodes[0]!.http}/chat`);
    expect(await viaFetch.text()).toContain(`127.0.0.1:${nodes[0]!.port}`);
  });

  it('GET /chat.html is the same page, the placeholder filled too', async () => {
    const answer = await rawHttp(nodes[0]!.port, '/chat.html', { host: 'chat.example.test:8443' });
    expect(answer.status).toBe(200);
    expect(answer.body).toContain('chat.example.test:8443');
    expect(answer.body).not.toContain('%%HOST:PORT%%');
  });

  it('a Host header that is not a plain host:port is never written into the page', async () => {
    const answer = await rawHttp(nodes[0]!.port, '/chat', { host: 'evil.test"><script>alert(1)</script>' });
    if (answer.status === 200) {
      expect(answer.body).not.toContain('<script>alert(1)</script>');
      expect(answer.body).not.toContain('%%HOST:PORT%%');
    } else {
      expect(answer.status).toBe(400);
    }
  });

  it('GET / redirects to /chat', async () => {
    const response = await fetch(`${nodes[1]!.http}/`, { redirect: 'manual' });
    expect([301, 302, 303, 307, 308]).toContain(response.status);
    expect(new URL(response.headers.get('location') ?? '', nodes[1]!.http).pathname).toBe('/chat');
  });

  it('GET /chat.css is served from the public folder', async () => {
    const response = await fetch(`${nodes[1]!.http}/chat.css`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/css/);
    expect((await response.text()).length).toBeGreaterThan(0);
  });

  it('a file is served with the MIME type of its extension; an HTML file gets the Content-Security-Policy too', async () => {
    const base = nodes[0]!.http;
    for (const [path, type] of [
      ['/chat.css', 'text/css; charset=utf-8'],
      ['/admin.css', 'text/css; charset=utf-8'],
      ['/eventsource.html', 'text/html; charset=utf-8'],
      ['/index.html', 'text/html; charset=utf-8'],
    ] as const) {
      const response = await fetch(`${base}${path}`);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('content-type'), path).toBe(type);
      expect(response.headers.get('x-content-type-options'), path).toBe('nosniff');
      expect(response.headers.has('content-security-policy'), path).toBe(type.startsWith('text/html'));
      await response.arrayBuffer();
    }
  });

  it('a missing file is 404 with body exactly "no file: <file>"', async () => {
    const response = await fetch(`${nodes[0]!.http}/missing.txt`);
    expect(response.status).toBe(404);
    expect(await response.text()).toBe('no file: missing.txt');
  });

  const traversals = [
    '/../package.json',
    '/../../package.json',
    '/../../../package.json',
    '/%2e%2e/package.json',
    '/%2e%2e/%2e%2e/%2e%2e/package.json',
    '/..%2fpackage.json',
    '/..%2f..%2f..%2fpackage.json',
    '/%2e%2e%2f%2e%2e%2fetc/passwd',
    '/%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/public/../../package.json',
    '/chat.css/../../package.json',
    '/%252e%252e/package.json',
    '/....//....//package.json',
    '/%00../package.json',
    '/chat.css%00.txt',
    '/%2e%2e%00/package.json',
    '/..\\package.json',
    '/..%5cpackage.json',
    '/..%5c..%5c..%5cpackage.json',
    '/%5c..%5c..%5cetc%5cpasswd',
    '//etc/passwd',
    '/%2fetc%2fpasswd',
    '/etc/passwd',
    '/%c0%ae%c0%ae/package.json',
    '/%',
  ];

  for (const target of traversals) {
    it(`a traversal attempt ${target} never escapes the public folder`, async () => {
      const answer = await rawHttp(nodes[0]!.port, target);
      expect([400, 404]).toContain(answer.status);
      expect(answer.body).not.toMatch(/"name":\s*"(chat-cluster|@chat\/gateway)"/);
      expect(answer.body).not.toContain('root:x:0:0');
      expect(answer.body).not.toContain('"dependencies"');
    });
  }

  it('the node still serves after the traversal attempts', async () => {
    expect((await fetch(`${nodes[0]!.http}/chat.css`)).status).toBe(200);
  });
});
