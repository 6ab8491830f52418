import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Collector, eventually } from '@chat/testkit';
import { describe, expect, it } from 'vitest';
import { launchChromium } from '../browser/chromium.js';
import { useCluster } from '../e2e/support/cluster-fixture.js';
import { APP, serverSdk } from './support/pusher-cluster.js';
import { collect, connected, subscribed, useSignedClients } from './support/pusher-client.js';

const cluster = useCluster({ gateways: 2, env: { PUSHER_APP_ID: APP.id, PUSHER_APP_KEY: APP.key, PUSHER_APP_SECRET: APP.secret } });
const nginxPort = (): number => Number(new URL(cluster().url).port);
const client = useSignedClients();

/** The page build of pusher-js, as a browser app would load it. */
const pusherWebBuild = readFileSync(createRequire(import.meta.url).resolve('pusher-js/dist/web/pusher.min.js'), 'utf8');

describe('the Pusher protocol through nginx with the repository config', () => {
  it('pusher-js connects through nginx and gets events the SDK triggers through nginx', async () => {
    const subscriber = client(nginxPort(), 'through-nginx');
    const events = collect<{ ok: boolean }>(await subscribed(subscriber, 'presence-proxied'), 'done');
    await serverSdk(nginxPort()).trigger('presence-proxied', 'done', { ok: true });
    await events.waitForCount(1);
    expect(events.items).toEqual([{ ok: true }]);
  });

  it("Chromium runs pusher-js's browser build through nginx and receives an event from the server SDK", async () => {
    const browser = await launchChromium();
    try {
      const page = await (await browser.newContext({ bypassCSP: true })).newPage();
      await page.goto(`${cluster().url}/chat`);
      await page.addScriptTag({ content: pusherWebBuild });
      await page.evaluate(
        ({ key, port }) => {
          const w = window as unknown as { Pusher: new (key: string, options: object) => { subscribe(name: string): { bind(event: string, callback: (data: unknown) => void): void } }; received: unknown[] };
          w.received = [];
          const pusher = new w.Pusher(key, { cluster: 'local', wsHost: location.hostname, wsPort: port, forceTLS: false, enabledTransports: ['ws'], disableStats: true });
          const channel = pusher.subscribe('browser-news');
          channel.bind('pusher:subscription_succeeded', () => w.received.push('subscribed'));
          channel.bind('headline', (data) => w.received.push(data));
        },
        { key: APP.key, port: nginxPort() },
      );
      await page.waitForFunction(() => (window as unknown as { received: unknown[] }).received.includes('subscribed'));
      await serverSdk(nginxPort()).trigger('browser-news', 'headline', { text: 'from the SDK' });
      await page.waitForFunction(() => (window as unknown as { received: unknown[] }).received.length >= 2);
      expect(await page.evaluate(() => (window as unknown as { received: unknown[] }).received)).toEqual(['subscribed', { text: 'from the SDK' }]);
    } finally {
      await browser.close();
    }
  });

  it('kill -9 of a gateway: its pusher-js clients reconnect through nginx, its members leave after the presence TTL', async () => {
    const [victim, survivor] = cluster().nodes;
    if (!victim || !survivor) throw new Error('two gateways expected');
    const observer = client(survivor.port, 'observer');
    const observed = await subscribed(observer, 'presence-ops');
    const left = new Collector<string>();
    observed.bind('pusher:member_removed', (member: { id: string }) => left.push(member.id));
    // The ghost talks to the victim directly: with it gone, nothing brings the ghost back.
    await subscribed(client(victim.port, 'ghost'), 'presence-ops');
    const roamers = ['r1', 'r2', 'r3', 'r4'].map((id) => client(nginxPort(), id));
    await Promise.all(roamers.map((roamer) => subscribed(roamer, 'presence-ops')));
    const firstIds = await Promise.all(roamers.map((roamer) => connected(roamer)));

    await victim.kill('SIGKILL');
    await left.waitFor((ids) => ids.includes('ghost'), { timeoutMs: 10_000, what: "the ghost's member_removed" });
    // Every roamer is connected again (those of the victim with a new socket id) and resubscribed.
    await eventually(() => roamers.every((roamer) => roamer.connection.state === 'connected'), { what: 'roamers reconnected' });
    const moved = roamers.filter((roamer, index) => roamer.connection.socket_id !== firstIds[index]);
    expect(moved.length).toBeGreaterThan(0);
    const sdk = serverSdk(nginxPort());
    const users = async (): Promise<string[]> => ((await (await sdk.get({ path: '/channels/presence-ops/users' })).json()) as { users: Array<{ id: string }> }).users.map((user) => user.id).sort();
    await eventually(async () => JSON.stringify(await users()) === JSON.stringify(['observer', 'r1', 'r2', 'r3', 'r4']), { what: 'the members of the cluster' });
    const count = async (): Promise<number> => ((await (await sdk.get({ path: '/channels/presence-ops', params: { info: 'subscription_count' } })).json()) as { subscription_count: number }).subscription_count;
    await eventually(async () => (await count()) === 5, { what: 'the dead node’s subscriptions to be swept' });
    const after = roamers.map((roamer) => collect<string>(roamer.channel('presence-ops'), 'after'));
    await sdk.trigger('presence-ops', 'after', 'the kill');
    await Promise.all(after.map((events) => events.waitForCount(1)));
    expect(left.items.filter((id) => id !== 'ghost')).toEqual([]);
  });
});
