import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ClusterSnapshot } from '../../services/gateway/src/admin/cluster-types.js';
import { signToken } from '../../services/gateway/src/auth/token.js';
import { eventually } from '@chat/testkit';
import { startNode, useTwoNodes, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { fetchJson } from '../gateway/helpers/http-client.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { Resources } from '../gateway/helpers/resources.js';

const resources = new Resources();
let a: TestNode;
let b: TestNode;

// One long-lived connection per client IP: the third WebSocket is refused, a `limit` event.
useTwoNodes(resources, { PRESENCE_TTL_MS: '1500', MAX_CONNECTIONS_PER_IP: '1' }, (nodes) => ({ a, b } = nodes));

const cluster = async (node: TestNode, init: RequestInit = {}) => fetchJson<ClusterSnapshot>(`${node.http}/admin/api/cluster`, init);

describe('GET /admin/api/cluster without auth', () => {
  it('lists every node with its heartbeat age and connections, and each room with its members across nodes and its message rate', async () => {
    const room = 'admin-room';
    const alice = resources.track(await JsonWsClient.connect(a.ws, { nick: 'alice' }));
    const bob = resources.track(await JsonWsClient.connect(b.ws, { nick: 'bob' }));
    await alice.join(room);
    await bob.join(room);

    const seen = await eventually(
      async () => {
        const { status, body } = await cluster(b);
        expect(status).toBe(200);
        return body.rooms.find((entry) => entry.room === room)?.members === 2 && body;
      },
      { what: 'both members in the snapshot' },
    );
    expect(seen.servedBy).toBe('node-b');
    expect(seen.nodes.map((node) => node.id)).toEqual(['node-a', 'node-b']);
    for (const node of seen.nodes) {
      expect(node.heartbeatAgeMs).toBeLessThan(1500);
      expect(node.connections.ws).toBe(1);
      expect(node.ready).toBe(true);
      expect(node.rssBytes).toBeGreaterThan(0);
    }
    expect(seen.rooms.find((entry) => entry.room === room)).toMatchObject({ members: 2, nicks: ['alice', 'bob'], nodes: ['node-a', 'node-b'] });

    // The rate is the growth of the room's offset between reads of the same node: read once before.
    expect((await cluster(a)).body.rooms.find((entry) => entry.room === room)?.messagesPerSec).toBe(0);
    for (let index = 0; index < 10; index++) await alice.say(room, `hello ${index}`);
    await eventually(async () => ((await cluster(a)).body.rooms.find((entry) => entry.room === room)?.messagesPerSec ?? 0) > 0, { what: 'a message rate' });
  });

  it('reports a connection refused by a limit as an event', async () => {
    await expect(JsonWsClient.connect(a.ws, { nick: 'third' })).rejects.toThrow();
    await eventually(async () => (await cluster(a)).body.events.some((event) => event.kind === 'limit' && event.node === 'node-a' && event.detail === 'connections_per_ip'), {
      what: 'a limit event',
    });
  });

  it('serves the page and a live SSE feed of the same snapshot', async () => {
    const page = await fetch(`${a.http}/admin`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/admin.js');

    const controller = new AbortController();
    const feed = await fetch(`${a.http}/admin/api/feed`, { signal: controller.signal });
    expect(feed.headers.get('content-type')).toContain('text/event-stream');
    const reader = feed.body!.getReader();
    let text = '';
    while (!/\n\n/.test(text.replace(/^retry: \d+\n\n/, ''))) text += new TextDecoder().decode((await reader.read()).value);
    controller.abort();
    const data = /event: cluster\ndata: (.*)\n\n/.exec(text)?.[1];
    expect((JSON.parse(data ?? '{}') as ClusterSnapshot).nodes.map((node) => node.id)).toEqual(['node-a', 'node-b']);
  });

  it('refuses a client that is not on loopback, even through a trusted proxy on loopback', async () => {
    const { status, body } = await cluster(a, { headers: { 'X-Forwarded-For': '203.0.113.9' } });
    expect(status).toBe(403);
    expect(body).toMatchObject({ error: { code: 'forbidden' } });
    expect((await fetch(`${a.http}/admin`, { headers: { 'X-Forwarded-For': '203.0.113.9' } })).status).toBe(403);
  });
});

describe('/admin with AUTH_SECRET', () => {
  const secret = 'admin-test-secret-0123456789';
  const token = (admin: boolean): Promise<string> => signToken({ sub: admin ? 'ops' : 'alice', exp: Math.floor(Date.now() / 1000) + 600, ...(admin ? { admin: true } : {}) }, secret);
  let node: TestNode;
  beforeAll(async () => {
    node = await startNode('auth-node', undefined, { AUTH_SECRET: secret });
  });
  afterAll(async () => {
    await node?.drain();
  });

  it('lets in only a token with "admin": true, from anywhere', async () => {
    expect((await cluster(node)).status).toBe(401);
    expect((await cluster(node, { headers: { Authorization: `Bearer ${await token(false)}` } })).status).toBe(403);
    const admin = await token(true);
    const admitted = await cluster(node, { headers: { Authorization: `Bearer ${admin}`, 'X-Forwarded-For': '203.0.113.9' } });
    expect(admitted.status).toBe(200);
    expect(admitted.body.nodes.map((entry) => entry.id)).toEqual(['auth-node']);
    expect((await fetch(`${node.http}/admin?token=${admin}`)).status).toBe(200);
  });
});
