import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serverSdk, usePusherCluster } from './support/pusher-cluster.js';
import { connected, disconnect, subscribed, useSignedClients } from './support/pusher-client.js';
import { WebhookReceiver } from './support/webhook-receiver.js';

let receiver: WebhookReceiver;
beforeAll(async () => {
  receiver = await WebhookReceiver.start(() => serverSdk(cluster().a.port));
});
afterAll(() => receiver.close());

const cluster = usePusherCluster(() => ({ PUSHER_WEBHOOK_URL: receiver.url, PUSHER_WEBHOOK_DELAY_MS: '400' }));
const client = useSignedClients();

/**
 * Waits for a fresh channel's occupied webhook: everything queued before it has been sent
 * (one queue per app, taken in order), so a duplicate of an earlier event would be here by now.
 */
async function settled(tag: string): Promise<void> {
  const marker = client(cluster().a.port);
  await subscribed(marker, `marker-${tag}`);
  await receiver.waitFor('channel_occupied', `marker-${tag}`);
}

describe('webhooks, once for the whole cluster', () => {
  it('subscribers on two nodes give one channel_occupied, and one channel_vacated after the delay', async () => {
    const { a, b } = cluster();
    const onA = client(a.port);
    const onB = client(b.port);
    await Promise.all([subscribed(onA, 'busy'), subscribed(onB, 'busy')]);
    await receiver.waitFor('channel_occupied', 'busy');
    await Promise.all([disconnect(onA), disconnect(onB)]);
    await receiver.waitFor('channel_vacated', 'busy');
    await settled('1');
    expect(receiver.named('channel_occupied', 'busy')).toHaveLength(1);
    expect(receiver.named('channel_vacated', 'busy')).toHaveLength(1);
    expect(receiver.events.items.every((event) => event.valid)).toBe(true);
    const request = receiver.requests[0];
    expect(request?.headers['content-type']).toBe('application/json');
    expect(request?.headers['x-pusher-key']).toBe('app-key');
  });

  it('a client that leaves and comes back through the other node within the delay causes neither vacated nor a second occupied', async () => {
    const { a, b } = cluster();
    const first = client(a.port);
    await subscribed(first, 'flaky');
    await receiver.waitFor('channel_occupied', 'flaky');
    await disconnect(first);
    await subscribed(client(b.port), 'flaky');
    // A channel vacated after flaky's would-be vacated: its webhook comes after flaky's would have.
    const later = client(a.port);
    await subscribed(later, 'vacated-later');
    await disconnect(later);
    await receiver.waitFor('channel_vacated', 'vacated-later');
    expect(receiver.named('channel_occupied', 'flaky')).toHaveLength(1);
    expect(receiver.named('channel_vacated', 'flaky')).toHaveLength(0);
  });

  it('member_added and member_removed fire once per user, whatever their sockets and nodes', async () => {
    const { a, b } = cluster();
    const ada1 = client(a.port, 'ada');
    const ada2 = client(b.port, 'ada');
    await Promise.all([subscribed(ada1, 'presence-hall'), subscribed(ada2, 'presence-hall')]);
    const [added] = await receiver.waitFor('member_added', 'presence-hall');
    expect(added).toMatchObject({ user_id: 'ada', valid: true });
    await disconnect(ada1);
    await disconnect(ada2);
    await receiver.waitFor('member_removed', 'presence-hall');
    await receiver.waitFor('channel_vacated', 'presence-hall');
    await settled('3');
    expect(receiver.named('member_added', 'presence-hall')).toHaveLength(1);
    expect(receiver.named('member_removed', 'presence-hall')).toHaveLength(1);
  });

  it('client_event and cache_miss arrive with their fields', async () => {
    const { a, b } = cluster();
    const sender = client(a.port, 'bob');
    await subscribed(client(b.port, 'eve'), 'presence-chat');
    const channel = await subscribed(sender, 'presence-chat');
    channel.trigger('client-typing', { on: true });
    const [event] = await receiver.waitFor('client_event', 'presence-chat');
    expect(event).toMatchObject({ event: 'client-typing', data: '{"on":true}', user_id: 'bob', socket_id: await connected(sender), valid: true });
    client(b.port).subscribe('cache-empty');
    await receiver.waitFor('cache_miss', 'cache-empty');
  });

  it('a failing receiver gets the events again, with backoff, until it takes them', async () => {
    receiver.failRequests(2);
    const before = receiver.requests.length;
    await subscribed(client(cluster().b.port), 'retried');
    const [occupied] = await receiver.waitFor('channel_occupied', 'retried');
    expect(occupied?.valid).toBe(true);
    expect(receiver.requests.length - before).toBeGreaterThanOrEqual(3);
    await settled('5');
    expect(receiver.named('channel_occupied', 'retried')).toHaveLength(1);
  });
});
