import type { TransportName } from '@chat/client';
import type { Browser, BrowserContext, Page } from 'playwright-core';

/** Globals a page's transports are detected by; taking them away forces a fallback. */
export type BrowserFeature = 'WebSocket' | 'EventSource' | 'ReadableStream' | 'XMLHttpRequest' | 'HTMLIFrameElement';

/** What to take away for a page to end up on long-poll, the last transport. */
export const ONLY_LONG_POLL: readonly BrowserFeature[] = ['WebSocket', 'EventSource', 'ReadableStream', 'XMLHttpRequest', 'HTMLIFrameElement'];

export interface OpenOptions {
  readonly nick: string;
  readonly room?: string;
  /** Transports to take away from the page before it loads, to force a fallback. */
  readonly remove?: readonly BrowserFeature[];
  readonly viewport?: { width: number; height: number };
  /** Runs before the page loads, e.g. to route requests. */
  readonly beforeLoad?: (page: Page) => Promise<unknown>;
}

/** One chat page in its own browser context, with what the page did wrong collected for asserts. */
export interface ChatTab {
  readonly page: Page;
  readonly context: BrowserContext;
  readonly nick: string;
  readonly dialogs: string[];
  readonly pageErrors: string[];
}

export async function openChat(browser: Browser, baseUrl: string, options: OpenOptions): Promise<ChatTab> {
  const context = await browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  const page = await context.newPage();
  const dialogs: string[] = [];
  const pageErrors: string[] = [];
  page.on('dialog', (dialog) => {
    dialogs.push(dialog.message());
    void dialog.dismiss();
  });
  page.on('pageerror', (error) => pageErrors.push(error.message));
  if (options.remove?.length) {
    await page.addInitScript((names: readonly string[]) => {
      for (const name of names) delete (window as unknown as Record<string, unknown>)[name];
    }, options.remove);
  }
  await options.beforeLoad?.(page);
  const url = new URL('/chat', baseUrl);
  url.searchParams.set('nick', options.nick);
  if (options.room) url.searchParams.set('room', options.room);
  await page.goto(url.toString());
  return { page, context, nick: options.nick, dialogs, pageErrors };
}

/** Waits until the status line says connected; returns the transport and node it names. */
export async function connected(page: Page, timeout = 20_000): Promise<{ transport: TransportName; node: string }> {
  const status = page.locator('#status[data-state="connected"]');
  await status.waitFor({ timeout });
  const transport = (await status.getAttribute('data-transport')) as TransportName;
  const node = (await status.getAttribute('data-node')) ?? '';
  return { transport, node };
}

export async function send(page: Page, text: string): Promise<void> {
  await page.fill('#text', text);
  await page.press('#text', 'Enter');
}

/** Waits until a message with exactly this text is shown in the room on screen. */
export async function seesMessage(page: Page, text: string, timeout = 15_000): Promise<void> {
  await page.locator('#messages li.msg .text').getByText(text, { exact: true }).waitFor({ timeout });
}

export async function seesInPresence(page: Page, nick: string, timeout = 15_000): Promise<void> {
  await page.locator('#presence li').getByText(nick, { exact: true }).waitFor({ timeout });
}

/** The messages on screen as (offset, text), in display order. */
export function shownMessages(page: Page): Promise<Array<{ offset: number; epoch: string; nick: string; text: string }>> {
  return page.$$eval('#messages li.msg', (items) =>
    items.map((item) => ({
      offset: Number((item as HTMLElement).dataset.offset),
      epoch: (item as HTMLElement).dataset.epoch ?? '',
      nick: item.querySelector('.nick')?.textContent ?? '',
      text: item.querySelector('.text')?.textContent ?? '',
    })),
  );
}

/** Waits until nothing the page sent is still unacknowledged. */
export async function outboxEmpty(page: Page, timeout = 15_000): Promise<void> {
  await page.waitForFunction(() => document.querySelectorAll('#pending li').length === 0, undefined, { timeout });
}
