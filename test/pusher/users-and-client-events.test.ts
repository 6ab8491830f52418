import { randomBytes } from 'node:crypto';
import { Collector, eventually } from '@chat/testkit';
import PusherServerSdk from 'pusher';
import { afterEach, describe, expect, it } from 'vitest';
import { APP, serverSdk, usePusherCluster } from './support/pusher-cluster.js';
import { clientOptions, collect, connected, disconnect, echoClient, Pusher, pusherClient, subscribed } from './support/pusher-client.js';

const cluster = usePusherCluster();
const clients: Pusher[] = [];
const closers: Array<() => void> = [];
const track = (client: Pusher): Pusher => {
  clients.push(client);
  return client;
};

afterEach(async () => {
  for (const close of closers.splice(0)) close();
  await Promise.all(clients.splice(0).map(disconnect));
});

/** A signed-in pusher-js client: resolves once the server confirmed the sign-in. */
async function signedIn(port: number, userId: string): Promise<Pusher> {
  const client = track(pusherClient(port, { signer: serverSdk(port), user: { user_id: userId } }));
  await connected(client);
  const done = new Promise<void>((resolve) => {
    client.connection.bind('message', (message: { event?: string }) => {
      if (message.event === 'pusher:signin_success') resolve();
    });
  });
  client.signin();
  await done;
  return client;
}

/** The pusher:error codes a client was sent (pusher-js wraps those that closed the socket in a WebSocketError). */
function errorCodes(client: Pusher): Collector<number> {
  const codes = new Collector<number>();
  client.connection.bind('error', (error: { data?: { code?: number }; error?: { data?: { code?: number } } }) => {
    const code = error.data?.code ?? error.error?.data?.code;
    if (code !== undefined) codes.push(code);
  });
  return codes;
}

describe('client events, sign-in and users across two nodes', () => {
  it("Echo's whisper reaches the other members of a private channel on the other node, never the sender", async () => {
    const { a, b } = cluster();
    const [sender, listener] = await Promise.all([echoClient(a.port, { signer: serverSdk(a.port) }), echoClient(b.port, { signer: serverSdk(b.port) })]);
    closers.push(() => sender.disconnect(), () => listener.disconnect());
    const heard = new Collector<{ who: string }>();
    const echoed = new Collector<{ who: string }>();
    const subscribedTo = (channel: { subscribed(callback: () => void): unknown }) => new Promise<void>((resolve) => channel.subscribed(resolve));
    const listening = listener.private('editor').listenForWhisper('typing', heard.push);
    const speaking = sender.private('editor').listenForWhisper('typing', echoed.push);
    await Promise.all([subscribedTo(listening), subscribedTo(speaking)]);
    speaking.whisper('typing', { who: 'ada' });
    await heard.waitForCount(1);
    expect(heard.items).toEqual([{ who: 'ada' }]);
    expect(echoed.items).toEqual([]);
  });

  it('a client event on a presence channel carries the sender’s user_id', async () => {
    const { a, b } = cluster();
    const ada = track(pusherClient(a.port, { signer: serverSdk(a.port), user: { user_id: 'ada' } }));
    const bob = track(pusherClient(b.port, { signer: serverSdk(b.port), user: { user_id: 'bob' } }));
    const adaChannel = await subscribed(ada, 'presence-desk');
    const bobChannel = await subscribed(bob, 'presence-desk');
    const got = new Collector<{ data: unknown; userId: unknown }>();
    bobChannel.bind('client-wave', (data: unknown, metadata: { user_id?: unknown }) => got.push({ data, userId: metadata.user_id }));
    adaChannel.trigger('client-wave', { hi: true });
    await got.waitForCount(1);
    expect(got.items).toEqual([{ data: { hi: true }, userId: 'ada' }]);
  });

  it('client events are refused on public channels and above 10 a second per connection (4301)', async () => {
    const { a, b } = cluster();
    const sender = track(pusherClient(a.port, { signer: serverSdk(a.port) }));
    const codes = errorCodes(sender);
    await subscribed(sender, 'plain');
    // pusher-js itself will not trigger on a public channel; the raw send shows the server refuses too.
    sender.send_event('client-nope', {}, 'plain');
    await codes.waitForCount(1);
    expect(codes.items[0]).not.toBe(4301);
    const receiver = track(pusherClient(b.port, { signer: serverSdk(b.port) }));
    const burst = collect<{ n: number }>(await subscribed(receiver, 'private-burst'), 'client-n');
    const channel = await subscribed(sender, 'private-burst');
    for (let n = 0; n < 15; n += 1) channel.trigger('client-n', { n });
    await codes.waitFor((items) => items.includes(4301), { what: 'a 4301' });
    await burst.waitForCount(10);
    expect(sender.connection.state).toBe('connected');
    expect(burst.items.length).toBeLessThan(15);
  });

  it('sendToUser reaches every socket of a signed-in user on both nodes; terminateUserConnections closes them', async () => {
    const { a, b } = cluster();
    const onA = await signedIn(a.port, 'user-7');
    const onB = await signedIn(b.port, 'user-7');
    const other = await signedIn(b.port, 'user-8');
    const notes = new Collector<string>();
    onA.user.bind('note', (data: string) => notes.push(`a:${data}`));
    onB.user.bind('note', (data: string) => notes.push(`b:${data}`));
    other.user.bind('note', (data: string) => notes.push(`other:${data}`));
    await eventually(async () => {
      await serverSdk(a.port).sendToUser('user-7', 'note', 'ping');
      return notes.items.includes('a:ping') && notes.items.includes('b:ping');
    }, { what: 'the user channel on both nodes' });
    expect(notes.items.filter((note) => note.startsWith('other'))).toEqual([]);

    const codesA = errorCodes(onA);
    const codesB = errorCodes(onB);
    await serverSdk(b.port).terminateUserConnections('user-7');
    await codesA.waitFor((items) => items.includes(4009));
    await codesB.waitFor((items) => items.includes(4009));
    await eventually(() => onA.connection.state !== 'connected' && onB.connection.state !== 'connected', { what: 'both sockets closed' });
    expect(other.connection.state).toBe('connected');
  });

  it('a cache channel replays its last event to a new subscriber, and says cache_miss when it has none', async () => {
    const { a, b } = cluster();
    await serverSdk(a.port).trigger('cache-price', 'tick', { price: 41 });
    await serverSdk(a.port).trigger('cache-price', 'tick', { price: 42 });
    const late = track(pusherClient(b.port));
    const channel = late.subscribe('cache-price');
    const ticks = collect<{ price: number }>(channel, 'tick');
    await ticks.waitForCount(1);
    expect(ticks.items).toEqual([{ price: 42 }]);
    const empty = late.subscribe('cache-nothing-yet');
    await new Promise<void>((resolve) => empty.bind('pusher:cache_miss', () => resolve()));
  });

  it('an encrypted channel relays what the SDK encrypted, and pusher-js decrypts it', async () => {
    const { a, b } = cluster();
    const masterKey = randomBytes(32).toString('base64');
    const encryptingSdk = new PusherServerSdk({ appId: APP.id, key: APP.key, secret: APP.secret, host: '127.0.0.1', port: String(a.port), useTLS: false, encryptionMasterKeyBase64: masterKey });
    const client = track(new Pusher(APP.key, clientOptions(b.port, { signer: encryptingSdk })));
    const secrets = collect<{ code: string }>(await subscribed(client, 'private-encrypted-vault'), 'opened');
    await encryptingSdk.trigger('private-encrypted-vault', 'opened', { code: '1234' });
    await secrets.waitForCount(1);
    expect(secrets.items).toEqual([{ code: '1234' }]);
  });
});
