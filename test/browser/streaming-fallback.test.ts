import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { TransportName } from '@chat/client';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '../../scripts/cluster/local-cluster.js';
import { ONLY_LONG_POLL, connected, openChat, outboxEmpty, seesMessage, send, shownMessages, type BrowserFeature, type ChatTab } from './chat-driver.js';
import { launchChromium } from './chromium.js';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** What a page is left with, and the transport the seed's feature detection must then choose. */
const CASES: ReadonlyArray<{ readonly expected: TransportName; readonly via: string; readonly remove: readonly BrowserFeature[] }> = [
  { expected: 'xhr-stream', via: 'fetch streaming', remove: ['WebSocket', 'EventSource'] },
  { expected: 'xhr-stream', via: 'XMLHttpRequest progress', remove: ['WebSocket', 'EventSource', 'ReadableStream'] },
  { expected: 'pushlet', via: 'the forever frame', remove: ['WebSocket', 'EventSource', 'ReadableStream', 'XMLHttpRequest'] },
  { expected: 'long-poll', via: 'long-poll', remove: ONLY_LONG_POLL },
];

describe('the chat page when only the seed streaming transports get through (through nginx, two gateways)', { timeout: 60_000 }, () => {
  let cluster: LocalCluster;
  let browser: Browser;
  const tabs: ChatTab[] = [];

  beforeAll(async () => {
    execFileSync(process.execPath, ['scripts/build-client.mjs'], { cwd: repoRoot, stdio: 'pipe' });
    // Every page comes from 127.0.0.1 through nginx: one address for the per-address read budget.
    cluster = await startLocalCluster({ gateways: 2, env: { RATE_SENDS_PER_SEC: '0', RATE_READS_PER_SEC: '0' } });
    browser = await launchChromium();
  }, 90_000);

  afterAll(async () => {
    await Promise.allSettled(tabs.map((tab) => tab.context.close()));
    await browser?.close();
    await cluster?.stop();
  });

  /**
   * Whether the two pages are served by different gateways within a few seconds: a long-poll
   * page's node is the one that answered its last poll, and nginx balances each poll anew.
   */
  async function nodesSpread(first: Page, second: Page): Promise<boolean> {
    const nodeOf = (page: Page): Promise<string | null> => page.locator('#status').getAttribute('data-node');
    for (const deadline = Date.now() + 4000; Date.now() < deadline; ) {
      const [x, y] = await Promise.all([nodeOf(first), nodeOf(second)]);
      if (x && y && x !== y) return true;
      await first.waitForTimeout(200);
    }
    return false;
  }

  /** Two pages of one kind in one room, on different gateways (nginx balances by least connections). */
  async function pairOnTwoNodes(room: string, remove: readonly BrowserFeature[]): Promise<[ChatTab, ChatTab, string, string]> {
    const first = await openChat(browser, cluster.url, { nick: 'ann', room, remove });
    tabs.push(first);
    const a = await connected(first.page);
    // Long-poll holds no connection between polls, so least_conn may pick the same node a few times running.
    for (let attempt = 0; attempt < 12; attempt++) {
      const second = await openChat(browser, cluster.url, { nick: 'ben', room, remove });
      tabs.push(second);
      const b = await connected(second.page);
      if (b.node !== a.node || (await nodesSpread(first.page, second.page))) return [first, second, a.transport, b.transport];
      await second.context.close();
    }
    throw new Error('nginx never placed the second page on another gateway');
  }

  for (const { expected, via, remove } of CASES) {
    it(`without ${remove.join(', ')}: chats over ${expected} (${via}) across two nodes, and a reload loses nothing`, async () => {
      const room = `fallback-${expected}-${remove.length}`;
      const [ann, ben, annTransport, benTransport] = await pairOnTwoNodes(room, remove);
      expect([annTransport, benTransport]).toEqual([expected, expected]);
      await expect(ann.page.locator('#status').textContent()).resolves.toContain(expected);

      await send(ann.page, `ann over ${via}`);
      await send(ben.page, `ben over ${via}`);
      for (const tab of [ann, ben]) {
        await seesMessage(tab.page, `ann over ${via}`);
        await seesMessage(tab.page, `ben over ${via}`);
      }
      await outboxEmpty(ann.page);

      await ann.page.reload();
      expect((await connected(ann.page)).transport).toBe(expected);
      await send(ben.page, `ben after the reload (${via})`);
      await seesMessage(ann.page, `ben after the reload (${via})`);
      const shown = await shownMessages(ann.page);
      expect(shown.map((message) => message.text)).toEqual([`ann over ${via}`, `ben over ${via}`, `ben after the reload (${via})`]);
      expect(shown.map((message) => message.offset)).toEqual([1, 2, 3]);
      for (const tab of [ann, ben]) expect(tab.pageErrors).toEqual([]);
      await Promise.all([ann.context.close(), ben.context.close()]);
    });
  }
});
