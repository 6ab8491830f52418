import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { NginxProxy } from '../../scripts/cluster/nginx-proxy.js';
import { freePort, textOf } from '@chat/testkit';
import { startUpstreamStub, type UpstreamStub } from './upstream-stub.js';

// Real nginx with infra/nginx's config, in front of three stand-in gateways: what the proxy
// itself guarantees, independent of the gateway's code.
let dir: string;
let nginx: NginxProxy;
let stubs: UpstreamStub[];
let deadPort: number;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chat-nginx-proxy-'));
  stubs = await Promise.all(['a', 'b', 'c'].map(startUpstreamStub));
  deadPort = await freePort();
  const upstreams = [...stubs.map((stub) => ({ host: '127.0.0.1', port: stub.port })), { host: '127.0.0.1', port: deadPort }];
  nginx = new NginxProxy(join(dir, 'nginx'), await freePort(), upstreams);
  await nginx.start();
});

afterAll(async () => {
  await nginx?.stop();
  await Promise.all((stubs ?? []).map((stub) => stub.close()));
  await rm(dir, { recursive: true, force: true });
});

beforeEach(() => {
  for (const stub of stubs) {
    stub.status = 200;
    stub.seen.length = 0;
  }
});

async function getJson(path: string, init?: RequestInit): Promise<{ status: number; node: string | null; body: string }> {
  const response = await fetch(`${nginx.url}${path}`, init);
  return { status: response.status, node: response.headers.get('x-node-id'), body: await response.text() };
}

describe('nginx in front of the gateways', () => {
  it('spreads requests over every live gateway and skips a dead one', async () => {
    const nodes = new Set<string | null>();
    for (let i = 0; i < 12; i++) {
      const answer = await getJson('/rooms/lobby/presence');
      expect(answer.status).toBe(200);
      nodes.add(answer.node);
    }
    expect([...nodes].sort()).toEqual(['a', 'b', 'c']);
  });

  it('passes Host with its port and adds X-Forwarded-For', async () => {
    await getJson('/chat');
    const seen = stubs.flatMap((stub) => stub.seen);
    expect(seen[0]?.headers.host).toBe(`127.0.0.1:${nginx.port}`);
    expect(seen[0]?.headers['x-forwarded-for']).toBe('127.0.0.1');
  });

  it('retries a GET answered 503 (a draining node) on another gateway, never a POST that reached one', async () => {
    const [draining] = stubs;
    if (!draining) throw new Error('no stubs');
    draining.status = 503;
    for (let i = 0; i < 6; i++) expect((await getJson('/readyz')).status).toBe(200);
    const posts = await Promise.all(
      Array.from({ length: 6 }, () => getJson('/rooms/lobby/messages', { method: 'POST', body: '{"text":"x"}', headers: { 'content-type': 'application/json' } })),
    );
    const postsSeen = stubs.reduce((count, stub) => count + stub.seen.filter((request) => request.method === 'POST').length, 0);
    expect(postsSeen).toBe(6);
    expect(posts.filter((answer) => answer.status === 503).length).toBe(draining.seen.filter((request) => request.method === 'POST').length);
  });

  it('upgrades WebSockets and keeps them open both ways', async () => {
    const socket = new WebSocket(`ws://127.0.0.1:${nginx.port}/ws`);
    const frames: string[] = [];
    await new Promise<void>((resolve, reject) => {
      socket.on('message', (data) => {
        frames.push(textOf(data));
        if (frames.length === 1) socket.send('ping-through-nginx');
        if (frames.length === 2) resolve();
      });
      socket.once('error', reject);
    });
    socket.close();
    expect(JSON.parse(frames[0] ?? '{}')).toMatchObject({ host: `127.0.0.1:${nginx.port}` });
    expect(frames[1]).toBe('ping-through-nginx');
  });

  it('delivers an SSE event before the upstream ends the stream (no buffering)', async () => {
    let endStream: (() => void) | undefined;
    for (const stub of stubs) stub.onSse = (end) => (endStream = end);
    const response = await fetch(`${nginx.url}/sse`);
    const reader = response.body?.getReader();
    if (!reader) throw new Error('no body');
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('data: first\n\n');
    expect(endStream).toBeDefined();
    endStream?.();
    let rest = '';
    for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) rest += new TextDecoder().decode(chunk.value);
    expect(rest).toBe('data: last\n\n');
  });

  it('lets a 100 KiB body through to the gateway and refuses a 200 KiB one itself', async () => {
    const ok = await getJson('/rooms/lobby/messages', { method: 'POST', body: 'x'.repeat(100 * 1024) });
    expect(ok.status).toBe(200);
    expect(JSON.parse(ok.body)).toMatchObject({ bodyBytes: 100 * 1024 });
    const tooBig = await getJson('/rooms/lobby/messages', { method: 'POST', body: 'x'.repeat(200 * 1024) });
    expect(tooBig.status).toBe(413);
  });

  it('answers in the API error shape when no gateway answers', async () => {
    for (const stub of stubs) stub.status = 502;
    const answer = await getJson('/rooms/lobby/presence');
    expect(answer.status).toBe(502);
    for (const stub of stubs) stub.status = 200;
    await Promise.all(stubs.map((stub) => stub.close()));
    const none = await getJson('/rooms/lobby/presence');
    expect(none.status).toBe(502);
    expect(JSON.parse(none.body)).toEqual({ error: { code: 'no_gateway', message: 'no gateway node answered' } });
  });
});
