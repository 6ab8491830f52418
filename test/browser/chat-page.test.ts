import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '../../scripts/cluster/local-cluster.js';
import { ONLY_LONG_POLL, connected, openChat, outboxEmpty, seesInPresence, seesMessage, send, shownMessages, type ChatTab, type OpenOptions } from './chat-driver.js';
import { launchChromium } from './chromium.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const resultsDir = `${repoRoot}test-results`;

// Generous: two shared cores, a browser, nginx, redis and three gateways; tests wait on events, not time.
describe('the chat page in headless Chromium, through nginx in front of three gateways', { timeout: 60_000 }, () => {
  let cluster: LocalCluster;
  let browser: Browser;
  const tabs: ChatTab[] = [];
  let alice: ChatTab;
  let bob: ChatTab;
  let carol: ChatTab;
  let dave: ChatTab;

  async function open(options: OpenOptions): Promise<ChatTab> {
    const tab = await openChat(browser, cluster.url, options);
    tabs.push(tab);
    return tab;
  }

  beforeAll(async () => {
    // The page's bundle is a build product; build it here so the test never runs a stale one.
    execFileSync(process.execPath, ['scripts/build-client.mjs'], { cwd: repoRoot, stdio: 'pipe' });
    // Every page comes from 127.0.0.1 through nginx: one address for the per-address read budget.
    cluster = await startLocalCluster({ gateways: 3, env: { RATE_SENDS_PER_SEC: '0', RATE_READS_PER_SEC: '0' } });
    browser = await launchChromium();
    await mkdir(resultsDir, { recursive: true });
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled(tabs.map((tab) => tab.context.close()));
    await browser?.close();
    await cluster?.stop();
  });

  it('two pages on different gateway nodes chat by WebSocket and see each other in presence', async () => {
    alice = await open({ nick: 'alice' });
    const a = await connected(alice.page);
    expect(a.transport).toBe('websocket');
    // nginx balances by least connections; open pages until one lands on another node.
    let b = { transport: 'websocket', node: a.node };
    for (let attempt = 0; attempt < 4 && b.node === a.node; attempt++) {
      if (attempt > 0) await bob.context.close();
      bob = await open({ nick: 'bob' });
      b = await connected(bob.page);
    }
    expect(b.transport).toBe('websocket');
    expect(b.node).not.toBe(a.node);
    await expect(alice.page.locator('#status').textContent()).resolves.toContain(a.node);

    await seesInPresence(alice.page, 'bob');
    await seesInPresence(bob.page, 'alice');
    await send(alice.page, 'hello from alice');
    await seesMessage(bob.page, 'hello from alice');
    await send(bob.page, 'hi alice, bob here');
    await seesMessage(alice.page, 'hi alice, bob here');
    await seesMessage(bob.page, 'hi alice, bob here');
  });

  it('a page without WebSocket chats by SSE and a page without any streaming transport by long-poll', async () => {
    carol = await open({ nick: 'carol', remove: ['WebSocket'] });
    dave = await open({ nick: 'dave', remove: ONLY_LONG_POLL });
    expect((await connected(carol.page)).transport).toBe('sse');
    expect((await connected(dave.page)).transport).toBe('long-poll');
    await seesInPresence(alice.page, 'carol');

    const lines = [
      [alice, 'alice says hi to everyone'],
      [carol, 'carol on SSE'],
      [dave, 'dave on long-poll'],
    ] as const;
    for (const [tab, text] of lines) await send(tab.page, text);
    for (const tab of [alice, bob, carol, dave]) {
      for (const [, text] of lines) await seesMessage(tab.page, text);
    }
    // History from before the SSE and poll pages opened is there too.
    await seesMessage(carol.page, 'hello from alice');
    await seesMessage(dave.page, 'hi alice, bob here');
  });

  it('falls back to SSE when the WebSocket upgrade is refused, and to XHR streaming when the SSE stream stays silent', async () => {
    const blockedUpgrade = await open({
      nick: 'frank',
      beforeLoad: (page) => page.routeWebSocket(/\/ws$/, (ws) => ws.close({ code: 1011, reason: 'blocked by a proxy' })),
    });
    expect((await connected(blockedUpgrade.page)).transport).toBe('sse');
    // A buffering proxy: the stream is accepted but nothing ever arrives.
    const bufferingProxy = await open({
      nick: 'grace',
      remove: ['WebSocket'],
      beforeLoad: (page) => page.route(/\/sse\?/, () => undefined),
    });
    expect((await connected(bufferingProxy.page)).transport).toBe('xhr-stream');
    await send(bufferingProxy.page, 'grace got through');
    await seesMessage(blockedUpgrade.page, 'grace got through');
    await seesMessage(alice.page, 'grace got through');
    await Promise.all([blockedUpgrade.context.close(), bufferingProxy.context.close()]);
  });

  it('moves back up to WebSocket once it works again, with nothing lost or shown twice', async () => {
    let upgradeBlocked = true;
    const ivy = await open({
      nick: 'ivy',
      beforeLoad: async (page) => {
        await page.clock.install();
        await page.routeWebSocket(/\/ws$/, (ws) => {
          if (upgradeBlocked) void ws.close({ code: 1011, reason: 'blocked by a proxy' });
          else ws.connectToServer();
        });
      },
    });
    expect((await connected(ivy.page)).transport).toBe('sse');
    await send(alice.page, 'ivy sees this on SSE');
    await seesMessage(ivy.page, 'ivy sees this on SSE');

    upgradeBlocked = false;
    // The client checks once a minute whether WebSocket works again.
    await ivy.page.clock.fastForward(61_000);
    await ivy.page.locator('#status[data-state="connected"][data-transport="websocket"]').waitFor({ timeout: 20_000 });
    await send(alice.page, 'ivy sees this on WebSocket');
    await seesMessage(ivy.page, 'ivy sees this on WebSocket');
    const shown = await shownMessages(ivy.page);
    const offsets = shown.map((message) => message.offset);
    expect(new Set(offsets).size, 'no message shown twice').toBe(offsets.length);
    expect(offsets).toEqual(offsets.slice().sort((x, y) => x - y));
    await ivy.context.close();
  });

  it('shows markup in a message as text and never runs it', async () => {
    const evil = '<img src=x onerror=alert(1)> <b>bold?</b>';
    await send(bob.page, evil);
    for (const tab of [alice, carol, dave]) {
      await seesMessage(tab.page, evil);
      expect(await tab.page.locator('#messages img, #messages b').count()).toBe(0);
      expect(tab.dialogs).toEqual([]);
    }
  });

  it('a send whose ack was lost is retried after the reconnect with the same cid and stored once', async () => {
    let ackDropped = false;
    const henry = await open({
      nick: 'henry',
      // Between page and server: swallow the first ack and cut the connection, as a dying link would.
      beforeLoad: (page) =>
        page.routeWebSocket(/\/ws$/, (ws) => {
          const server = ws.connectToServer();
          server.onMessage((frame) => {
            if (!ackDropped && typeof frame === 'string' && (JSON.parse(frame) as { type?: string }).type === 'ack') {
              ackDropped = true;
              void ws.close({ code: 4000, reason: 'ack lost on the way' });
              void server.close();
              return;
            }
            ws.send(frame);
          });
        }),
    });
    await connected(henry.page);
    await send(henry.page, 'henry says this once');
    await outboxEmpty(henry.page);
    expect(ackDropped).toBe(true);
    await send(bob.page, 'bob after henry');
    for (const tab of [henry, bob]) {
      await seesMessage(tab.page, 'bob after henry');
      const shown = await shownMessages(tab.page);
      expect(shown.filter((m) => m.text === 'henry says this once')).toHaveLength(1);
    }
    await henry.context.close();
  });

  it('a page reloaded mid-conversation shows the history without gaps or duplicates', async () => {
    for (let i = 1; i <= 5; i++) await send(alice.page, `before reload ${i}`);
    await seesMessage(alice.page, 'before reload 5');
    await outboxEmpty(alice.page);
    await alice.page.reload();
    await connected(alice.page);
    await seesMessage(alice.page, 'before reload 5');
    await send(bob.page, 'after reload');
    await seesMessage(alice.page, 'after reload');

    const shown = await shownMessages(alice.page);
    const offsets = shown.map((message) => message.offset);
    expect(new Set(shown.map((m) => `${m.epoch}/${m.offset}`)).size).toBe(shown.length);
    for (let i = 1; i < offsets.length; i++) expect(offsets[i]).toBe((offsets[i - 1] ?? 0) + 1);
    const texts = shown.map((message) => message.text);
    for (const text of ['hello from alice', 'carol on SSE', 'dave on long-poll', 'before reload 1', 'before reload 5', 'after reload']) {
      expect(texts.filter((t) => t === text)).toHaveLength(1);
    }
    for (const tab of [bob, carol, dave]) {
      const others = await shownMessages(tab.page);
      expect(new Set(others.map((m) => `${m.epoch}/${m.offset}`)).size).toBe(others.length);
    }
  });

  it('takes screenshots of the chat page on a desktop and a phone screen', async () => {
    const desktop = `${resultsDir}/chat-desktop.png`;
    await alice.page.screenshot({ path: desktop });
    // The README's copy changes only on request (or when missing), so a test run leaves the tree clean.
    const readmeCopy = `${repoRoot}docs/screenshot-chat.png`;
    if (process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(readmeCopy)) await copyFile(desktop, readmeCopy);

    const phone = await open({ nick: 'erin', viewport: { width: 375, height: 740 } });
    await connected(phone.page);
    await seesMessage(phone.page, 'after reload');
    // Nothing may stick out sideways on a narrow screen.
    const overflow = await phone.page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await phone.page.screenshot({ path: `${resultsDir}/chat-phone.png` });
  });

  it('a page whose node drains reconnects at once to another node and misses nothing', async () => {
    const before = await connected(bob.page);
    const node = cluster.nodes.find((candidate) => candidate.id === before.node);
    if (!node) throw new Error(`no node named ${before.node}`);
    const restarting = node.restart();
    try {
      await bob.page.waitForFunction(
        (old) => {
          const status = document.querySelector('#status');
          return status?.getAttribute('data-state') === 'connected' && status.getAttribute('data-node') !== old;
        },
        before.node,
        { timeout: 10_000 },
      );
      await send(alice.page, 'sent while a node drains');
      for (const tab of [bob, carol, dave]) await seesMessage(tab.page, 'sent while a node drains');
    } finally {
      await restarting;
    }
    for (const tab of [alice, bob, carol, dave]) {
      const shown = await shownMessages(tab.page);
      expect(shown.filter((m) => m.text === 'sent while a node drains')).toHaveLength(1);
      expect(new Set(shown.map((m) => `${m.epoch}/${m.offset}`)).size).toBe(shown.length);
    }
  });

  it('the EventSource demo page shows ticks, the end of the stream and the browser reconnecting', async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(new URL('/eventsource.html', cluster.url).toString());
      await page.locator('#log li.tick').nth(1).waitFor({ timeout: 5_000 });
      expect(await page.locator('#log li.tick .text').first().textContent()).toBe('Tick');
      await page.locator('#log li.ended').first().waitFor({ timeout: 20_000 });
      await page.waitForFunction(() => document.querySelector('#reconnect-count')?.textContent === '1', undefined, { timeout: 10_000 });
      const ticksBefore = await page.locator('#log li.tick').count();
      await page.locator('#log li.tick').nth(ticksBefore).waitFor({ timeout: 5_000 });
      await page.screenshot({ path: `${resultsDir}/eventsource-demo.png` });
    } finally {
      await context.close();
    }
  });

  it('tells the user that messages may be missing when Redis lost the room (recovered:false)', async () => {
    const redis = cluster.redis;
    if (!redis) throw new Error('the cluster runs without redis');
    await redis.kill();
    await redis.start();
    for (const tab of [alice, bob]) {
      await tab.page.locator('#notice:not([hidden])').waitFor({ timeout: 30_000 });
      expect(await tab.page.locator('#notice-text').textContent()).toContain('Some messages may be missing');
    }
    await alice.page.screenshot({ path: `${resultsDir}/chat-messages-missing.png` });
    await send(bob.page, 'after redis lost everything');
    await seesMessage(alice.page, 'after redis lost everything');
  });

  it('pages on every transport join another room from the room switcher and chat there', async () => {
    for (const tab of [alice, carol, dave]) {
      await tab.page.fill('#join-room', 'side.room');
      await tab.page.press('#join-room', 'Enter');
      await tab.page.locator('#room-title').getByText('#side.room', { exact: true }).waitFor();
      expect(new URL(tab.page.url()).searchParams.get('room')).toBe('side.room');
    }
    for (const tab of [alice, carol, dave]) await send(tab.page, `${tab.nick} in the side room`);
    for (const tab of [alice, carol, dave]) {
      for (const other of [alice, carol, dave]) await seesMessage(tab.page, `${other.nick} in the side room`);
    }
    // Messages of the room not on screen count as unread, and switching back shows them.
    await send(bob.page, 'meanwhile in the lobby');
    await alice.page.locator('#room-tabs .unread').waitFor();
    await alice.page.locator('#room-tabs .tab-select').getByText('#lobby').click();
    await seesMessage(alice.page, 'meanwhile in the lobby');
    await seesMessage(alice.page, 'hello from alice');
    for (const tab of tabs) expect(tab.pageErrors).toEqual([]);
  });
});
