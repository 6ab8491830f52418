/**
 * Screenshots of the chat page for the docs: `npx tsx test/browser/screenshots.ts docs/screenshot`
 * writes `<prefix>-chat.png` (two users chatting, seen by one of them: own messages and others')
 * and `<prefix>-signin.png` (a node with auth on, opened without a token). One in-process node
 * on the in-memory broker per picture; headless Chromium.
 */
import { setTimeout as delay } from 'node:timers/promises';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../services/gateway/src/config.js';
import { createLogger } from '../../services/gateway/src/logger.js';
import { GatewayNode } from '../../services/gateway/src/node.js';
import { launchChromium } from './chromium.js';

async function startNode(settings: Record<string, string>): Promise<GatewayNode> {
  const config = loadConfig({ PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', NODE_ID: 'node-1', ...settings });
  return GatewayNode.start(config, createLogger(config.logLevel, 'node-1'));
}

async function openPage(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1100, height: 640 } });
  const page = await context.newPage();
  await page.goto(url);
  return page;
}

async function say(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
  await page.locator('#messages li.msg .text').getByText(text, { exact: true }).waitFor({ timeout: 10_000 });
}

async function chatPicture(browser: Browser, path: string): Promise<void> {
  const node = await startNode({});
  try {
    const base = `http://127.0.0.1:${node.port}/chat`;
    const alice = await openPage(browser, `${base}?nick=alice`);
    const bob = await openPage(browser, `${base}?nick=bob`);
    await alice.locator('#status[data-state="connected"]').waitFor();
    await bob.locator('#status[data-state="connected"]').waitFor();
    const lines: Array<[Page, string]> = [
      [bob, 'morning! is the deploy still on for 10:00?'],
      [alice, 'yes, gateways first, then Redis'],
      [bob, 'I will watch /admin while it rolls'],
      [alice, 'thanks. the page reconnects on its own, nothing gets lost'],
      [bob, 'perfect'],
    ];
    for (const [page, text] of lines) {
      await say(page, text);
      await alice.locator('#messages li.msg .text').getByText(text, { exact: true }).waitFor();
    }
    await bob.fill('#text', 'typing…');
    await bob.press('#text', 'End');
    await alice.locator('#typing:not([hidden])').waitFor({ timeout: 5_000 }).catch(() => undefined);
    await alice.screenshot({ path });
  } finally {
    await node.drain();
  }
}

async function signInPicture(browser: Browser, path: string): Promise<number> {
  const node = await startNode({ AUTH_SECRET: 'screenshot-secret-0123456789' });
  try {
    const page = await openPage(browser, `http://127.0.0.1:${node.port}/chat`);
    let requests = 0;
    page.on('request', () => (requests += 1));
    await delay(4_000);
    await page.screenshot({ path });
    return requests;
  } finally {
    await node.drain();
  }
}

const prefix = process.argv[2] ?? 'test-results/screenshot';
const browser = await launchChromium();
try {
  await chatPicture(browser, `${prefix}-chat.png`);
  const requests = await signInPicture(browser, `${prefix}-signin.png`);
  console.log(JSON.stringify({ chat: `${prefix}-chat.png`, signin: `${prefix}-signin.png`, requestsIn4sAfterLoad: requests }));
} finally {
  await browser.close();
}
