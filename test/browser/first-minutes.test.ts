import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signToken } from '../../services/gateway/src/auth/token.js';
import { postMessage } from '../gateway/helpers/http-client.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { Resources } from '../gateway/helpers/resources.js';
import { connected, openChat, seesMessage, send, type ChatTab, type OpenOptions } from './chat-driver.js';
import { launchChromium } from './chromium.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'first-minutes-secret-0123456789';

/** The height of the message row with this text. */
function rowHeight(page: Page, text: string): Promise<number> {
  return page
    .locator('#messages li.msg')
    .filter({ has: page.locator('.text').getByText(text, { exact: true }) })
    .evaluate((item) => item.getBoundingClientRect().height);
}

/** Whether the row with this text is inside the scrolled conversation's visible area. */
function rowInView(page: Page, text: string): Promise<boolean> {
  return page
    .locator('#messages li.msg')
    .filter({ has: page.locator('.text').getByText(text, { exact: true }) })
    .evaluate((item) => {
      const box = item.getBoundingClientRect();
      const view = document.getElementById('conversation')?.getBoundingClientRect();
      return view !== undefined && box.top >= view.top - 1 && box.bottom <= view.bottom + 1;
    });
}

// A user's first minutes on the page: signing in, own messages, favicon, unread divider.
describe('the chat page for a new user, in headless Chromium against one node', { timeout: 60_000 }, () => {
  const resources = new Resources();
  let browser: Browser;
  let open: TestNode;
  let guarded: TestNode;

  async function tab(base: string, options: OpenOptions): Promise<ChatTab> {
    const opened = await openChat(browser, base, options);
    resources.track({ close: () => opened.context.close() });
    return opened;
  }

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-client.mjs'], { cwd: repoRoot, stdio: 'pipe' });
    open = await startNode('open-node', undefined);
    resources.track({ close: () => open.drain() });
    guarded = await startNode('auth-node', undefined, { AUTH_SECRET: SECRET });
    resources.track({ close: () => guarded.drain() });
    browser = await launchChromium();
    resources.track({ close: () => browser.close() });
  }, 60_000);
  afterAll(() => resources.closeAll());

  it('with auth on and no token: a sign-in panel that says so, a few requests and then none; a pasted token signs in', async () => {
    const requests: string[] = [];
    const refused: string[] = [];
    const alice = await tab(guarded.http, {
      nick: 'ignored',
      beforeLoad: async (page) => {
        page.on('request', (request) => requests.push(request.url()));
        page.on('response', (response) => response.status() === 404 && refused.push(response.url()));
      },
    });
    const panel = alice.page.locator('#signin:not([hidden])');
    await panel.waitFor({ timeout: 10_000 });
    await expect(panel.textContent()).resolves.toContain('needs a token');
    const status = alice.page.locator('#status');
    await expect(status.getAttribute('data-state')).resolves.toBe('unauthorized');
    // Named by the transport that answered (the old page blamed WebSocket for long-poll's 401).
    await expect(status.textContent()).resolves.toMatch(/not signed in · websocket: /);
    const requestsThen = requests.length;
    // The page, its style, script and icon, one WebSocket: no retry loop (it made 30 attempts in 12 s).
    expect(requestsThen).toBeLessThanOrEqual(6);
    await alice.page.waitForTimeout(2_000);
    expect(requests.slice(requestsThen)).toEqual([]);
    expect(refused).toEqual([]);

    const token = await signToken({ sub: 'alice', nick: 'Alice', exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);
    await alice.page.fill('#signin-token', token);
    await alice.page.press('#signin-token', 'Enter');
    await connected(alice.page);
    await expect(alice.page.locator('#signin').isHidden()).resolves.toBe(true);
    await expect(alice.page.locator('#nick').inputValue()).resolves.toBe('Alice');
  });

  it('a refused ?token= says it was refused and asks for another', async () => {
    const wrong = await signToken({ sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 600 }, 'not-the-servers-secret-0123456789');
    const context = await browser.newContext();
    resources.track({ close: () => context.close() });
    const mallory = { page: await context.newPage() };
    await mallory.page.goto(`${guarded.http}/chat?token=${wrong}`);
    await mallory.page.locator('#signin:not([hidden])').waitFor({ timeout: 10_000 });
    await expect(mallory.page.locator('#signin-why').textContent()).resolves.toContain('refused your token');
  });

  it('your own message row is as tall as anyone else’s, and loads no missing file', async () => {
    const missing: string[] = [];
    const alice = await tab(open.http, { nick: 'alice', room: 'heights', beforeLoad: async (page) => page.on('response', (response) => response.status() >= 400 && missing.push(response.url())) });
    const bob = await tab(open.http, { nick: 'bob', room: 'heights' });
    await connected(alice.page);
    await connected(bob.page);
    await send(bob.page, 'from bob');
    await seesMessage(alice.page, 'from bob');
    await send(alice.page, 'from alice');
    await seesMessage(alice.page, 'from alice');
    const others = await rowHeight(alice.page, 'from bob');
    expect(await rowHeight(alice.page, 'from alice')).toBe(others);
    // Hovering shows Edit and Delete on the same line: still the same height.
    await alice.page.locator('#messages li.msg.own').hover();
    await expect(alice.page.locator('#messages li.msg.own .msg-edit').isVisible()).resolves.toBe(true);
    expect(await rowHeight(alice.page, 'from alice')).toBe(others);
    expect(missing).toEqual([]);
  });

  it('after loading older messages, your own send still scrolls into view', async () => {
    const room = 'long-history';
    for (let i = 1; i <= 80; i++) await postMessage(open.http, room, { text: `old ${i}`, nick: 'bob' });
    const alice = await tab(open.http, { nick: 'alice', room, viewport: { width: 1280, height: 600 } });
    await connected(alice.page);
    await seesMessage(alice.page, 'old 80');
    // Scrolled to the top, as a reader paging back does: the page loads the older messages.
    await alice.page.locator('#conversation').evaluate((conversation) => conversation.scrollTo(0, 0));
    await seesMessage(alice.page, 'old 1');
    expect(await rowInView(alice.page, 'old 80')).toBe(false);
    await send(alice.page, 'mine, after paging back');
    await seesMessage(alice.page, 'mine, after paging back');
    await expect.poll(() => rowInView(alice.page, 'mine, after paging back')).toBe(true);
  });

  it('your own messages never count as unread: the divider is before the first message of someone else', async () => {
    const room = 'unread-own';
    const alice = await tab(open.http, { nick: 'alice', room });
    await connected(alice.page);
    await postMessage(open.http, room, { text: 'bob before', nick: 'bob' });
    await seesMessage(alice.page, 'bob before');
    // Her read position is stored shortly after she saw it; then she leaves the page.
    await expect.poll(async () => (await fetch(`${open.http}/rooms/${room}/read`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ nick: 'alice', offset: 0 }) }).then((response) => response.json() as Promise<{ read: number }>)).read).toBe(1);
    await alice.context.close();

    // Sent elsewhere (another device) while the page was closed: hers, then bob's.
    await postMessage(open.http, room, { text: 'alice elsewhere', nick: 'alice' });
    const reopened = await tab(open.http, { nick: 'alice', room });
    await connected(reopened.page);
    await seesMessage(reopened.page, 'alice elsewhere');
    await expect(reopened.page.locator('#messages li.unread-marker').count()).resolves.toBe(0);
    await reopened.context.close();

    await postMessage(open.http, room, { text: 'bob after', nick: 'bob' });
    const third = await tab(open.http, { nick: 'alice', room });
    await connected(third.page);
    await seesMessage(third.page, 'bob after');
    const order = await third.page.$$eval('#messages > li', (items) => items.map((item) => (item.classList.contains('unread-marker') ? 'marker' : (item.querySelector('.text')?.textContent ?? ''))));
    expect(order.slice(-3)).toEqual(['alice elsewhere', 'marker', 'bob after']);
  });
});
