import { Collector, eventually } from '@chat/testkit';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { APP, OTHER_APP, serverSdk, usePusherCluster } from './support/pusher-cluster.js';
import { collect, connected, disconnect, pusherClient, subscribed, type Pusher } from './support/pusher-client.js';

const cluster = usePusherCluster();
const clients: Pusher[] = [];
const client = (...args: Parameters<typeof pusherClient>): Pusher => {
  const made = pusherClient(...args);
  clients.push(made);
  return made;
};

afterEach(async () => {
  await Promise.all(clients.splice(0).map(disconnect));
});

async function jsonOf(response: { json(): Promise<unknown> }): Promise<Record<string, unknown>> {
  return (await response.json()) as Record<string, unknown>;
}

describe('pusher-js and the pusher SDK against two gateways on one Redis', () => {
  it('pusher-js connects to either node and gets a cluster-unique socket id', async () => {
    const { a, b } = cluster();
    const [idA, idB] = await Promise.all([connected(client(a.port)), connected(client(b.port))]);
    expect(idA).toMatch(/^\d+\.\d+$/);
    expect(idB).toMatch(/^\d+\.\d+$/);
    expect(idA).not.toBe(idB);
  });

  it('an unknown app key is refused with 4001 and pusher-js does not retry', async () => {
    const refused = client(cluster().a.port, { key: 'no-such-key' });
    const errors = new Collector<{ error?: { data?: { code?: number } } }>();
    refused.connection.bind('error', errors.push);
    await errors.waitFor((items) => items.some((item) => item.error?.data?.code === 4001));
    await eventually(() => ['failed', 'unavailable', 'disconnected'].includes(refused.connection.state), { what: 'pusher-js to give up' });
  });

  it('events triggered through node B reach subscribers on both nodes, in order', async () => {
    const { a, b } = cluster();
    const onA = collect<{ n: number }>(await subscribed(client(a.port), 'orders'), 'placed');
    const onB = collect<{ n: number }>(await subscribed(client(b.port), 'orders'), 'placed');
    const sdk = serverSdk(b.port);
    for (let n = 0; n < 20; n += 1) await sdk.trigger('orders', 'placed', { n });
    for (const received of [onA, onB]) {
      await received.waitForCount(20);
      expect(received.items.map((item) => item.n)).toEqual([...Array(20).keys()]);
    }
  });

  it('socket_id keeps an event from the connection that caused it', async () => {
    const { a, b } = cluster();
    const sender = client(a.port);
    const senderId = await connected(sender);
    const atSender = collect<string>(await subscribed(sender, 'room-1'), 'said');
    const atOther = collect<string>(await subscribed(client(b.port), 'room-1'), 'said');
    const sdk = serverSdk(a.port);
    await sdk.trigger('room-1', 'said', 'not for the sender', { socket_id: senderId });
    await sdk.trigger('room-1', 'said', 'for everyone');
    await atOther.waitForCount(2);
    await atSender.waitForCount(1);
    expect(atSender.items).toEqual(['for everyone']);
    expect(atOther.items).toEqual(['not for the sender', 'for everyone']);
  });

  it('a batch reaches each event’s channel, in the batch order', async () => {
    const { a, b } = cluster();
    const first = collect<string>(await subscribed(client(a.port), 'batch-1'), 'e');
    const second = collect<string>(await subscribed(client(a.port), 'batch-2'), 'e');
    await serverSdk(b.port).triggerBatch([
      { channel: 'batch-1', name: 'e', data: 'one' },
      { channel: 'batch-2', name: 'e', data: 'two' },
      { channel: 'batch-1', name: 'e', data: 'three' },
    ]);
    await first.waitForCount(2);
    await second.waitForCount(1);
    expect(first.items).toEqual(['one', 'three']);
    expect(second.items).toEqual(['two']);
  });

  it('a wrong secret, a tampered body and a stale timestamp are refused with 401', async () => {
    const { a } = cluster();
    await expect(serverSdk(a.port, { ...APP, secret: 'wrong-secret-0000' }).trigger('orders', 'x', {})).rejects.toMatchObject({ status: 401 });
    const sdk = serverSdk(a.port);
    const body = JSON.stringify({ name: 'x', channel: 'orders', data: '{}' });
    const tampered = await fetch(`http://127.0.0.1:${a.port}/apps/${APP.id}/events?${sdk.createSignedQueryString({ method: 'POST', path: `/apps/${APP.id}/events`, body })}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: body.replace('orders', 'orderz'),
    });
    expect(tampered.status).toBe(401);
    const now = Date.now();
    const clock = vi.spyOn(Date, 'now').mockReturnValue(now - 601_000);
    const stale = sdk.createSignedQueryString({ method: 'GET', path: `/apps/${APP.id}/channels` });
    clock.mockRestore();
    expect((await fetch(`http://127.0.0.1:${a.port}/apps/${APP.id}/channels?${stale}`)).status).toBe(401);
    const fresh = sdk.createSignedQueryString({ method: 'GET', path: `/apps/${APP.id}/channels` });
    expect((await fetch(`http://127.0.0.1:${a.port}/apps/${APP.id}/channels?${fresh}`)).status).toBe(200);
  });

  it('a private channel needs the app’s signature: signed it subscribes, forged it gets AuthError 401', async () => {
    const { a, b } = cluster();
    const member = await subscribed(client(a.port, { signer: serverSdk(a.port) }), 'private-ledger');
    const entries = collect<string>(member, 'entry');
    await serverSdk(b.port).trigger('private-ledger', 'entry', 'credit');
    await entries.waitForCount(1);
    const forger = client(b.port, { signer: serverSdk(b.port, { ...APP, secret: 'not-the-secret-000' }) });
    const channel = forger.subscribe('private-ledger');
    const failure = await new Promise<{ type?: string; status?: number }>((resolve) => channel.bind('pusher:subscription_error', resolve));
    expect(failure).toMatchObject({ type: 'AuthError', status: 401 });
  });

  it('the channels API counts subscriptions over both nodes', async () => {
    const { a, b } = cluster();
    await subscribed(client(a.port), 'counted');
    await subscribed(client(b.port), 'counted');
    await subscribed(client(b.port), 'counted-too');
    const sdk = serverSdk(a.port);
    const list = await jsonOf(await sdk.get({ path: '/channels', params: { filter_by_prefix: 'counted', info: 'subscription_count' } }));
    expect(list).toEqual({ channels: { counted: { subscription_count: 2 }, 'counted-too': { subscription_count: 1 } } });
    const one = await jsonOf(await serverSdk(b.port).get({ path: '/channels/counted', params: { info: 'subscription_count' } }));
    expect(one).toEqual({ occupied: true, subscription_count: 2 });
  });

  it('apps are isolated: the same channel name in two apps is two channels', async () => {
    const { a, b } = cluster();
    const mine = collect<string>(await subscribed(client(a.port), 'shared-name'), 'e');
    const theirs = collect<string>(await subscribed(client(b.port, { key: OTHER_APP.key }), 'shared-name'), 'e');
    await serverSdk(b.port, OTHER_APP).trigger('shared-name', 'e', 'theirs');
    await serverSdk(a.port).trigger('shared-name', 'e', 'mine');
    await theirs.waitForCount(1);
    await mine.waitForCount(1);
    expect(mine.items).toEqual(['mine']);
    expect(theirs.items).toEqual(['theirs']);
  });
});

