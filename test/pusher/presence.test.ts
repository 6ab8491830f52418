import { Collector, eventually } from '@chat/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { serverSdk, usePusherCluster } from './support/pusher-cluster.js';
import { clientOptions, collect, connected, disconnect, echoClient, Pusher, subscribed } from './support/pusher-client.js';

const cluster = usePusherCluster();
const closers: Array<() => Promise<void> | void> = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

interface Member {
  readonly name: string;
}

/** Laravel Echo 2 (an ES module, loaded with import()) over the real pusher-js, on one node, as one user. */
async function echoOn(port: number, userId: string, name: string) {
  const echo = await echoClient(port, { signer: serverSdk(port), user: { user_id: userId, user_info: { name } } });
  closers.push(() => echo.disconnect());
  return echo;
}

/** Members as Echo's callbacks report them, by name. */
const names = (members: readonly Member[]): string[] => members.map((member) => member.name).sort();

describe('presence channels over two nodes', () => {
  it("Echo's here, joining and leaving see one member per user id, across sockets and nodes", async () => {
    const { a, b } = cluster();
    const sdk = serverSdk(a.port);
    const first = await echoOn(a.port, 'u1', 'Ada');
    const joining = new Collector<Member>();
    const leaving = new Collector<Member>();
    const hereFirst = new Collector<Member[]>();
    first.join('lounge').here(hereFirst.push).joining(joining.push).leaving(leaving.push);
    expect(names((await hereFirst.waitForCount(1))[0] ?? [])).toEqual(['Ada']);

    const second = await echoOn(b.port, 'u2', 'Bob');
    const hereSecond = new Collector<Member[]>();
    second.join('lounge').here(hereSecond.push);
    expect(names((await hereSecond.waitForCount(1))[0] ?? [])).toEqual(['Ada', 'Bob']);
    await joining.waitForCount(1);
    expect(names(joining.items)).toEqual(['Bob']);

    // Bob again, from another socket on the other node: still one member.
    const bobAgain = new Pusher('app-key', clientOptions(a.port, { signer: sdk, user: { user_id: 'u2', user_info: { name: 'Bob' } } }));
    closers.push(() => disconnect(bobAgain));
    await subscribed(bobAgain, 'presence-lounge');
    const users = async (): Promise<unknown> => ((await (await sdk.get({ path: '/channels/presence-lounge/users' })).json()) as { users: unknown }).users;
    expect(await users()).toEqual(expect.arrayContaining([{ id: 'u1' }, { id: 'u2' }]));
    expect(await users()).toHaveLength(2);
    const info = (await (await sdk.get({ path: '/channels/presence-lounge', params: { info: 'user_count,subscription_count' } })).json()) as Record<string, unknown>;
    expect(info).toEqual({ occupied: true, user_count: 2, subscription_count: 3 });
    const list = (await (await sdk.get({ path: '/channels', params: { filter_by_prefix: 'presence-', info: 'user_count' } })).json()) as Record<string, unknown>;
    expect(list).toEqual({ channels: { 'presence-lounge': { user_count: 2 } } });

    // Bob's Echo socket leaves: Bob is still there through his other socket.
    second.disconnect();
    await eventually(async () => ((await (await sdk.get({ path: '/channels/presence-lounge', params: { info: 'subscription_count' } })).json()) as { subscription_count: number }).subscription_count === 2, { what: 'the socket to leave' });
    expect(leaving.items).toEqual([]);
    await disconnect(bobAgain);
    await leaving.waitForCount(1);
    expect(names(leaving.items)).toEqual(['Bob']);
    expect(await users()).toEqual([{ id: 'u1' }]);
    expect(joining.items).toHaveLength(1);
  });

  it('a presence subscription without a valid channel_data signature is refused', async () => {
    const { b } = cluster();
    const forged = new Pusher('app-key', clientOptions(b.port, { signer: serverSdk(b.port, { id: '1001', key: 'app-key', secret: 'some-other-secret' }), user: { user_id: 'mallory' } }));
    closers.push(() => disconnect(forged));
    await connected(forged);
    const channel = forged.subscribe('presence-lounge-2');
    const failure = await new Promise<{ type?: string; status?: number }>((resolve) => channel.bind('pusher:subscription_error', resolve));
    expect(failure).toMatchObject({ type: 'AuthError', status: 401 });
  });

  it('members see each other’s events on a presence channel and events from the API', async () => {
    const { a, b } = cluster();
    const ada = new Pusher('app-key', clientOptions(a.port, { signer: serverSdk(a.port), user: { user_id: 'u10' } }));
    closers.push(() => disconnect(ada));
    const news = collect<string>(await subscribed(ada, 'presence-news'), 'headline');
    await serverSdk(b.port).trigger('presence-news', 'headline', 'hello members');
    await news.waitForCount(1);
    expect(news.items).toEqual(['hello members']);
  });
});
