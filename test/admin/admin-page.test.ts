import { execFileSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayNode } from '../../scripts/cluster/gateway-node.js';
import { launchChromium } from '../browser/chromium.js';
import { freePort, startRedisServer, type RedisServer } from '@chat/testkit';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const SCREENSHOT = `${repoRoot}docs/screenshot-admin.png`;
const PRESENCE_TTL_MS = 1500;
const ROOM = 'team';

const nodeRow = (page: Page, id: string) => page.locator(`#nodes tr[data-node="${id}"]`);
const roomCell = (page: Page, cell: 'members' | 'rate' | 'nicks') => page.locator(`#rooms tr[data-room="${ROOM}"] td.${cell}`);

// Gateways as processes (one of them is killed), Redis, Chromium: generous on two shared cores.
describe('the /admin page in headless Chromium', { timeout: 60_000 }, () => {
  let redis: RedisServer;
  let browser: Browser;
  const nodes: GatewayNode[] = [];
  const clients: JsonWsClient[] = [];

  async function startGateway(id: string): Promise<GatewayNode> {
    const port = await freePort();
    const node = new GatewayNode({
      id,
      port,
      env: { ...process.env, NODE_ID: id, PORT: String(port), HOST: '127.0.0.1', REDIS_URL: redis.url, LOG_LEVEL: 'warn', PRESENCE_TTL_MS: String(PRESENCE_TTL_MS), RATE_SENDS_PER_SEC: '0' },
    });
    nodes.push(node);
    await node.start();
    return node;
  }

  beforeAll(async () => {
    // The page's bundle is a build product; build it so the test never runs a stale one.
    execFileSync(process.execPath, ['scripts/build-client.mjs'], { cwd: repoRoot, stdio: 'pipe' });
    redis = await startRedisServer();
    browser = await launchChromium();
  }, 60_000);

  afterAll(async () => {
    await Promise.allSettled(clients.map((client) => client.close()));
    await browser?.close();
    await Promise.allSettled(nodes.map((node) => node.stop()));
    await redis?.stop();
  });

  it('lists the nodes, a room with its members and rate moving as clients chat, a node started later, and drops a killed one', async () => {
    const a = await startGateway('node-a');
    const b = await startGateway('node-b');
    const page = await browser.newPage({ viewport: { width: 1280, height: 760 } });
    await page.goto(`${a.url}/admin`);
    await nodeRow(page, 'node-a').waitFor();
    await nodeRow(page, 'node-b').waitFor();
    await expect(page.locator('#feed-state').getAttribute('data-state')).resolves.toBe('live');

    const alice = await JsonWsClient.connect(a.url.replace('http', 'ws'), { nick: 'alice' });
    clients.push(alice);
    await alice.join(ROOM);
    await page.waitForFunction((room) => document.querySelector(`#rooms tr[data-room="${room}"] td.members`)?.textContent === '1', ROOM);
    const bob = await JsonWsClient.connect(b.url.replace('http', 'ws'), { nick: 'bob' });
    clients.push(bob);
    await bob.join(ROOM);
    await page.waitForFunction((room) => document.querySelector(`#rooms tr[data-room="${room}"] td.members`)?.textContent === '2', ROOM);
    await expect(roomCell(page, 'nicks').textContent()).resolves.toBe('alice, bob');
    await expect(nodeRow(page, 'node-b').locator('td.conn-ws').textContent()).resolves.toBe('1');

    // Chat until the page shows the room's rate above zero (bounded: at most 200 messages).
    const rateShown = page.waitForFunction((room) => Number(document.querySelector(`#rooms tr[data-room="${room}"] td.rate`)?.textContent) > 0, ROOM, { timeout: 20_000 });
    let chatting = true;
    void rateShown.finally(() => (chatting = false));
    for (let sent = 0; chatting && sent < 200; sent++) await (sent % 2 ? bob : alice).say(ROOM, `message ${sent}`);
    await rateShown;

    const c = await startGateway('node-c');
    await nodeRow(page, 'node-c').waitFor();
    await mkdir(`${repoRoot}docs`, { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });

    await c.kill('SIGKILL');
    await nodeRow(page, 'node-c').waitFor({ state: 'detached', timeout: PRESENCE_TTL_MS + 10_000 });
    await page.locator('#events li[data-kind="node_left"]', { hasText: 'node-c' }).waitFor();
    await expect(page.locator('#nodes tr').count()).resolves.toBe(2);
    await page.close();
  });
});
