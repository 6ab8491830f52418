import { startRedisServer, type RedisServer } from '@chat/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from './helpers/gateway-nodes.js';
import { postMessage } from './helpers/http-client.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { Resources } from './helpers/resources.js';

const resources = new Resources();
let redis: RedisServer;
let first: TestNode;
let second: TestNode;

beforeAll(async () => {
  redis = await startRedisServer();
  first = await startNode('first', redis.url, { REDIS_KEY_PREFIX: 'first:' });
  resources.track({ close: () => first.drain() });
  second = await startNode('second', redis.url, { REDIS_KEY_PREFIX: 'second:' });
  resources.track({ close: () => second.drain() });
});
afterAll(async () => {
  await resources.closeAll();
  await redis?.stop();
});

describe('REDIS_KEY_PREFIX: two deployments on one Redis', () => {
  it('a room of the same name is two rooms, each deployment keeps every key under its own prefix', async () => {
    const ann = resources.track(await JsonWsClient.connect(first.ws, { nick: 'ann' }));
    const bob = resources.track(await JsonWsClient.connect(second.ws, { nick: 'bob' }));
    await ann.join('shared');
    await bob.join('shared');
    expect((await postMessage(first.http, 'shared', { text: 'for the first', nick: 'poster' })).status).toBe(201);
    expect((await postMessage(second.http, 'shared', { text: 'for the second', nick: 'poster' })).status).toBe(201);
    const [toAnn] = await ann.waitForMessages('shared', 1);
    const [toBob] = await bob.waitForMessages('shared', 1);
    expect([toAnn?.text, toAnn?.offset]).toEqual(['for the first', 1]);
    expect([toBob?.text, toBob?.offset]).toEqual(['for the second', 1]);
    const keys = await redis.client().keys('*');
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.filter((key) => !key.startsWith('first:') && !key.startsWith('second:'))).toEqual([]);
    expect(ann.messages('shared')).toHaveLength(1);
  });
});
