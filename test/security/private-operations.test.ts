import type { IncomingMessage } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clientIp, trustedProxies } from '../../services/gateway/src/http/client-ip.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { Resources } from '../gateway/helpers/resources.js';
import { useCluster } from '../e2e/support/cluster-fixture.js';
import { httpRequest } from './helpers/probes.js';

const METRICS_TOKEN = 'scrape-secret-0123456789';
const resources = new Resources();
const cluster = useCluster({ gateways: 1 });
let guarded: TestNode;

beforeAll(async () => {
  guarded = await startNode('metrics-token', undefined, { METRICS_TOKEN });
  resources.track({ close: () => guarded.drain() });
});

afterAll(() => resources.closeAll());

async function statusThroughNginx(path: string): Promise<number> {
  const response = await fetch(`${cluster().url}${path}`);
  await response.arrayBuffer();
  return response.status;
}

describe('/metrics is private', () => {
  it('through the shipped nginx config it answers 404 in every spelling, while the API still answers', async () => {
    for (const path of ['/metrics', '/METRICS', '/metrics/', '//metrics', '/%6detrics', '/metrics?x=1']) {
      expect(await statusThroughNginx(path), path).toBe(404);
    }
    expect(await statusThroughNginx('/rooms/lobby/messages')).toBe(200);
  });

  it('a scraper that reaches the gateway directly gets the metrics; a proxied request (an Ingress) gets 404', async () => {
    const [node] = cluster().nodes;
    if (!node) throw new Error('no gateway');
    const direct = await fetch(`${node.url}/metrics`);
    expect(direct.status).toBe(200);
    expect(await direct.text()).toMatch(/^chat_connections/m);
    const proxied = await fetch(`${node.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(proxied.status).toBe(404);
    expect(((await proxied.json()) as { error: { code: string } }).error.code).toBe('not_found');
    const realIp = await fetch(`${node.url}/metrics`, { headers: { 'x-real-ip': '203.0.113.9' } });
    expect(realIp.status).toBe(404);
  });

  it('with METRICS_TOKEN only its bearer reads /metrics, proxied or not', async () => {
    const none = await httpRequest(guarded, '/metrics');
    expect(none.status).toBe(401);
    const wrong = await httpRequest(guarded, '/metrics', { headers: { authorization: 'Bearer scrape-secret-0123456780' } });
    expect(wrong.status).toBe(401);
    const right = await httpRequest(guarded, '/metrics', { headers: { authorization: `Bearer ${METRICS_TOKEN}`, 'x-forwarded-for': '203.0.113.9' } });
    expect(right.status).toBe(200);
    expect(right.body).toMatch(/^chat_connections/m);
  });
});

describe('TRUSTED_PROXIES', () => {
  const request = (peer: string, forwardedFor: string): IncomingMessage =>
    ({ socket: { remoteAddress: peer }, connection: { remoteAddress: peer }, headers: { 'x-forwarded-for': forwardedFor } }) as unknown as IncomingMessage;

  it('by default believes X-Forwarded-For from loopback only, not from a private network', () => {
    const trusted = trustedProxies([]);
    expect(clientIp(request('127.0.0.1', '198.51.100.7'), trusted)).toBe('198.51.100.7');
    for (const peer of ['10.1.2.3', '172.16.0.9', '192.168.1.20', 'fc00::5']) {
      expect(clientIp(request(peer, '127.0.0.1'), trusted), peer).toBe(peer);
    }
  });

  it('a named proxy is believed, and only it', () => {
    const trusted = trustedProxies(['172.28.4.10']);
    expect(clientIp(request('172.28.4.10', '198.51.100.7'), trusted)).toBe('198.51.100.7');
    expect(clientIp(request('172.28.4.11', '198.51.100.7'), trusted)).toBe('172.28.4.11');
  });
});
