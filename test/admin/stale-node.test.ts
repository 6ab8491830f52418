import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayNode } from '../../scripts/cluster/gateway-node.js';
import type { ClusterSnapshot } from '../../services/gateway/src/admin/cluster-types.js';
import { launchChromium } from '../browser/chromium.js';
import { eventually, freePort, startRedisServer, type RedisServer } from '@chat/testkit';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
// Heartbeats every 2 s (a third of the TTL); a dead node drops off the list 6 s after its last one.
const PRESENCE_TTL_MS = 6_000;
const HEARTBEAT_MS = PRESENCE_TTL_MS / 3;

// A kill -9'd node must not look "ready" until the TTL removes it: stale within two heartbeats.
describe('/admin marks a node whose heartbeat is late as stale', { timeout: 60_000 }, () => {
  let redis: RedisServer;
  let browser: Browser;
  const nodes: GatewayNode[] = [];

  async function startGateway(id: string): Promise<GatewayNode> {
    const port = await freePort();
    const env = { ...process.env, NODE_ID: id, PORT: String(port), HOST: '127.0.0.1', REDIS_URL: redis.url, LOG_LEVEL: 'warn', PRESENCE_TTL_MS: String(PRESENCE_TTL_MS) };
    const node = new GatewayNode({ id, port, env });
    nodes.push(node);
    await node.start();
    return node;
  }

  async function cluster(node: GatewayNode): Promise<ClusterSnapshot> {
    return (await fetch(`${node.url}/admin/api/cluster`).then((response) => response.json())) as ClusterSnapshot;
  }

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-client.mjs'], { cwd: repoRoot, stdio: 'pipe' });
    redis = await startRedisServer();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await Promise.allSettled(nodes.map((node) => node.stop()));
    await redis?.stop();
  });

  it('within two heartbeat intervals of a SIGKILL, in the API and on the page; never while it beats', async () => {
    const a = await startGateway('node-a');
    const victim = await startGateway('node-b');
    const page = await browser.newPage();
    await page.goto(`${a.url}/admin`);
    const row = page.locator('#nodes tr[data-node="node-b"]');
    await row.waitFor();
    await expect(row.locator('td.status').textContent()).resolves.toBe('ready');

    // While both beat, through more than two intervals: nobody is stale.
    const watchedUntil = Date.now() + 2.5 * HEARTBEAT_MS;
    while (Date.now() < watchedUntil) {
      const snapshot = await cluster(a);
      expect(snapshot.heartbeatIntervalMs).toBe(HEARTBEAT_MS);
      expect(snapshot.nodes.map((node) => [node.id, node.stale])).toEqual([
        ['node-a', false],
        ['node-b', false],
      ]);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }

    const before = (await cluster(a)).nodes.find((node) => node.id === 'node-b');
    await victim.kill('SIGKILL');
    const killedAt = Date.now();
    const lastBeatAgo = before?.heartbeatAgeMs ?? 0;
    const stale = await eventually(async () => (await cluster(a)).nodes.find((node) => node.id === 'node-b' && node.stale), { timeoutMs: PRESENCE_TTL_MS, intervalMs: 50, what: 'node-b stale' });
    const sinceLastBeat = Date.now() - killedAt + lastBeatAgo;
    expect(stale.ready).toBe(true); // what it said last, which the page must not show
    expect(sinceLastBeat).toBeLessThanOrEqual(2 * HEARTBEAT_MS);
    await page.waitForFunction(() => document.querySelector('#nodes tr[data-node="node-b"] td.status')?.textContent === 'stale', undefined, { timeout: HEARTBEAT_MS });
    await expect(row.getAttribute('class')).resolves.toContain('stale');
    await expect(page.locator('#nodes tr[data-node="node-a"] td.status').textContent()).resolves.toBe('ready');
    // Then the TTL drops it from the list.
    await row.waitFor({ state: 'detached', timeout: PRESENCE_TTL_MS + 2_000 });
    await page.close();
  });
});
