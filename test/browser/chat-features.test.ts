import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '@chat/testkit';
import { SECRET, tokenFor } from '../gateway/chat-features-support.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { launchChromium } from './chromium.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

interface Tab {
  readonly page: Page;
  readonly context: BrowserContext;
}

const messageText = (page: Page, text: string) => page.locator('#messages li.msg .text').getByText(text, { exact: true });
const exactly = (text: string): RegExp => new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
const itemWith = (page: Page, text: string) => page.locator('#messages li.msg').filter({ has: page.locator('.text', { hasText: exactly(text) }) });

// Two signed-in people, each on their own gateway node (both on one Redis); tests wait on what the page shows.
describe('chat features on the page, two browser contexts on two nodes', { timeout: 60_000 }, () => {
  let redis: RedisServer;
  let a: TestNode;
  let b: TestNode;
  let browser: Browser;
  const contexts: BrowserContext[] = [];

  async function open(node: TestNode, sub: string, room: string, touch = false, nick?: string): Promise<Tab> {
    const context = await browser.newContext({ viewport: touch ? { width: 390, height: 760 } : { width: 1280, height: 800 }, hasTouch: touch, isMobile: touch });
    contexts.push(context);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.dismiss());
    const token = await tokenFor({ sub, rooms: ['*'], ...(nick === undefined ? {} : { nick }) });
    await page.goto(`${node.http}/chat?room=${encodeURIComponent(room)}&token=${encodeURIComponent(token)}`);
    await page.locator('#status[data-state="connected"]').waitFor({ timeout: 20_000 });
    return { page, context };
  }

  async function send(page: Page, text: string): Promise<void> {
    await page.fill('#text', text);
    await page.press('#text', 'Enter');
    await messageText(page, text).waitFor();
  }

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-client.mjs'], { cwd: repoRoot, stdio: 'pipe' });
    redis = await startRedisServer();
    const settings = { AUTH_SECRET: SECRET, RATE_SENDS_PER_SEC: '0' };
    a = await startNode('node-a', redis.url, settings);
    b = await startNode('node-b', redis.url, settings);
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled(contexts.map((context) => context.close()));
    await browser?.close();
    await a?.drain();
    await b?.drain();
    await redis?.stop();
  });

  it('shows "alice is typing…" to the other person, and the occupancy count', async () => {
    const alice = await open(a, 'alice', 'typing-room');
    const bob = await open(b, 'bob', 'typing-room');
    await bob.page.locator('#presence-count').getByText('(2)').waitFor();
    await alice.page.type('#text', 'hel');
    await bob.page.locator('#typing').getByText('alice is typing…').waitFor();
    expect(await alice.page.locator('#typing').isHidden()).toBe(true);
  });

  it('edits by keyboard and deletes by touch; the other page shows (edited) and "message deleted"', async () => {
    const alice = await open(a, 'alice', 'edits', true);
    const bob = await open(b, 'bob', 'edits');
    await send(alice.page, 'helo wrld');
    await messageText(bob.page, 'helo wrld').waitFor();
    // Up in the empty composer edits your last message; Enter saves.
    await alice.page.click('#text');
    await alice.page.press('#text', 'ArrowUp');
    expect(await alice.page.inputValue('#text')).toBe('helo wrld');
    await alice.page.fill('#text', 'hello world');
    await alice.page.press('#text', 'Enter');
    await messageText(bob.page, 'hello world').waitFor();
    await itemWith(bob.page, 'hello world').locator('.edited-mark').getByText('(edited)').waitFor();
    expect(await bob.page.locator('#messages li.msg .msg-edit').count()).toBe(0);

    await send(alice.page, 'oops');
    await messageText(bob.page, 'oops').waitFor();
    await itemWith(alice.page, 'oops').locator('.msg-delete').tap();
    await bob.page.locator('#messages li.msg.deleted .text').getByText('message deleted').waitFor();
    await alice.page.locator('#messages li.msg.deleted .text').getByText('message deleted').waitFor();
  });

  it('counts unread messages on a room tab and marks where unread messages begin after coming back', async () => {
    const room = 'news';
    const alice = await open(a, 'alice', room);
    const bob = await open(b, 'bob', room);
    await send(alice.page, 'n1');
    const stored = bob.page.waitForResponse((response) => response.url().endsWith(`/rooms/${room}/read`) && response.ok());
    await messageText(bob.page, 'n1').waitFor();
    await stored;
    // Bob looks at another room: new messages in news show as a badge on its tab.
    await bob.page.fill('#join-room', 'elsewhere');
    await bob.page.press('#join-room', 'Enter');
    await bob.page.locator('#room-title').getByText('#elsewhere').waitFor();
    await send(alice.page, 'n2');
    await send(alice.page, 'n3');
    await bob.page.locator('#room-tabs .tab', { hasText: '#news' }).locator('.unread').getByText('2').waitFor();
    await bob.context.close();

    // Back later, on the other node: the read position came along, and the marker sits before n2.
    const back = await open(a, 'bob', room);
    await messageText(back.page, 'n3').waitFor();
    const order = await back.page.$$eval('#messages li', (items) => items.map((item) => (item.classList.contains('unread-marker') ? '|' : (item.querySelector('.text')?.textContent ?? ''))));
    expect(order.slice(-4)).toEqual(['n1', '|', 'n2', 'n3']);
  });

  it('loads older messages when scrolling up, each once, in order', async () => {
    const room = 'long';
    const token = await tokenFor({ sub: 'poster' });
    for (let i = 1; i <= 120; i++) {
      const response = await fetch(`${a.http}/rooms/${room}/messages`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
        body: JSON.stringify({ text: `old-${i}` }),
      });
      expect(response.status).toBe(201);
    }
    const bob = await open(b, 'bob', room);
    await messageText(bob.page, 'old-120').waitFor();
    for (const first of ['old-21', 'old-1']) {
      await bob.page.locator('#conversation').evaluate((element) => {
        element.scrollTop = 0;
        element.dispatchEvent(new Event('scroll'));
      });
      await messageText(bob.page, first).waitFor();
    }
    const texts = await bob.page.$$eval('#messages li.msg .text', (items) => items.map((item) => item.textContent));
    expect(texts).toEqual(Array.from({ length: 120 }, (_, i) => `old-${i + 1}`));
    await bob.page.locator('#load-older').waitFor({ state: 'hidden' });
  });

  it('opens a direct conversation from the member list; only the two of them are in it', async () => {
    // Nicks that are not their subs: the room is named by the subs that come with presence.
    const alice = await open(a, 'alice', 'meet', false, 'Alice L');
    const bob = await open(b, 'bob', 'meet', false, 'Bob B');
    await alice.page.locator('#presence li', { hasText: 'Bob B' }).locator('.dm-open').click();
    await alice.page.locator('#room-title').getByText('#dm:alice:bob').waitFor();
    await send(alice.page, 'just between us');
    await bob.page.locator('#presence li', { hasText: 'Alice L' }).locator('.dm-open').click();
    await bob.page.locator('#room-title').getByText('#dm:alice:bob').waitFor();
    await messageText(bob.page, 'just between us').waitFor();
    const carol = await open(a, 'carol', 'dm:alice:bob');
    await carol.page.locator('#error-line').getByText(/forbidden/).waitFor();
  });
});
