import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RedisBroker, roomKeys } from '@chat/core';
import { startRedisServer } from '@chat/testkit';
import { contractOptions } from './broker-harness.js';

type Server = Awaited<ReturnType<typeof startRedisServer>>;

describe('redis publish path', () => {
  let server: Server;
  let broker: RedisBroker;
  const window = 8;

  beforeAll(async () => {
    server = await startRedisServer();
    broker = new RedisBroker({ ...contractOptions, idempotencyWindow: window, url: server.url, nodeId: 'publish-test' });
    await broker.start(10_000);
  });

  afterAll(async () => {
    await broker.stop();
    await server.stop();
  });

  it('fails only the publish whose room is broken when several are sent at once', async () => {
    const admin = server.client();
    await admin.set(roomKeys('broken').meta, 'not a hash');
    const [before, broken, after] = await Promise.allSettled([
      broker.publish('fine-1', { nick: 'ann', text: 'one' }),
      broker.publish('broken', { nick: 'ann', text: 'lost' }),
      broker.publish('fine-2', { nick: 'ann', text: 'two' }),
    ]);
    expect(before).toMatchObject({ status: 'fulfilled', value: { room: 'fine-1', offset: 1 } });
    expect(after).toMatchObject({ status: 'fulfilled', value: { room: 'fine-2', offset: 1 } });
    expect(broken.status).toBe('rejected');
    expect(String((broken as PromiseRejectedResult).reason)).toMatch(/WRONGTYPE/);
    expect((await broker.history('fine-2', { limit: 5 })).messages.map((message) => message.text)).toEqual(['two']);
  });

  it('keeps the client id record bounded near the window and still knows every id within it', async () => {
    const admin = server.client();
    const room = 'cids';
    const sent = [];
    for (let i = 1; i <= 100; i++) sent.push(await broker.publish(room, { nick: 'ann', text: `m${i}`, cid: `c${i}` }));
    expect(await admin.zcard(roomKeys(room).cid)).toBeLessThanOrEqual(window + 32);
    for (let i = 100 - window + 1; i <= 100; i++) {
      expect(await broker.publish(room, { nick: 'ann', text: 'again', cid: `c${i}` })).toMatchObject({ offset: i, ts: sent[i - 1]!.ts, duplicate: true });
    }
    expect(await broker.publish(room, { nick: 'ann', text: 'old', cid: 'c1' })).toMatchObject({ offset: 101, duplicate: false });
  });

  it('every key of a room keeps an expiry when publishes soon after a renewal leave it alone', async () => {
    const admin = server.client();
    const renewing = new RedisBroker({ ...contractOptions, roomTtlMs: 60_000, url: server.url, nodeId: 'renew-test' });
    await renewing.start(10_000);
    try {
      const room = 'renewed';
      await renewing.publish(room, { nick: 'ann', text: 'no client id' });
      await Promise.all([1, 2, 3].map((i) => renewing.publish(room, { nick: 'ann', text: `m${i}`, cid: `c${i}` })));
      await renewing.publish(room, { nick: 'ann', text: 'last' });
      const keys = roomKeys(room);
      for (const key of [keys.meta, keys.log, keys.cid]) {
        const ttl = await admin.pttl(key);
        expect(ttl, key).toBeGreaterThan(0);
        expect(ttl, key).toBeLessThanOrEqual(60_000);
      }
      expect((await renewing.history(room, { limit: 10 })).messages.map((message) => message.text)).toEqual(['no client id', 'm1', 'm2', 'm3', 'last']);

      // The room forgotten and made anew (another epoch) within the bound: its new cid set still gets a ttl.
      await admin.del(keys.meta, keys.log, keys.cid);
      await renewing.publish(room, { nick: 'ann', text: 'anew' });
      await renewing.publish(room, { nick: 'ann', text: 'anew with id', cid: 'c9' });
      for (const key of [keys.meta, keys.log, keys.cid]) expect(await admin.pttl(key), key).toBeGreaterThan(0);
    } finally {
      await renewing.stop();
    }
  });
});
