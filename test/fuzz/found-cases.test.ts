import type { ServerEvent } from '@chat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isError, isJoined } from '../gateway/helpers/frames.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { JsonWsClient } from '../gateway/helpers/json-ws-client.js';
import { Resources } from '../gateway/helpers/resources.js';
import { HonestPair } from '../security/helpers/honest.js';

/** Inputs the fuzzer found, pinned as plain tests so they stay fixed. */
const resources = new Resources();
let node: TestNode;
let honest: HonestPair;

beforeAll(async () => {
  node = await startNode('found-cases', undefined);
  resources.track({ close: () => node.drain() });
  const sender = resources.track(await JsonWsClient.connect(node.ws, { nick: 'honest-a' }));
  const receiver = resources.track(await JsonWsClient.connect(node.ws, { nick: 'honest-b' }));
  honest = await HonestPair.join(sender, receiver, 'found');
});

afterAll(() => resources.closeAll());

/** Sends `frames` back to back (as a pipelining client does) and returns what came back up to a pong. */
async function pipelined(frames: readonly unknown[]): Promise<readonly ServerEvent[]> {
  const client = resources.track(await JsonWsClient.connect(node.ws));
  for (const frame of frames) client.send(frame);
  client.send({ type: 'ping' });
  await client.next((frame) => frame.type === 'pong');
  await honest.check();
  return client.frames.items;
}

describe('pipelined joins on a healthy in-memory broker', () => {
  it('join, leave, join of one room back to back: the second join is answered joined, not error internal', async () => {
    const frames = await pipelined([{ type: 'join', room: 'jlj' }, { type: 'leave', room: 'jlj' }, { type: 'join', room: 'jlj' }]);
    await expect.poll(() => frames.filter((frame) => isJoined(frame, 'jlj')).length).toBe(2);
    expect(frames.filter((frame) => isError(frame))).toEqual([]);
  });

  it('the same room joined twice back to back: no error unavailable while the broker is up', async () => {
    const frames = await pipelined([{ type: 'join', room: 'twice' }, { type: 'join', room: 'twice' }]);
    await expect.poll(() => frames.filter((frame) => isJoined(frame, 'twice')).length).toBeGreaterThanOrEqual(1);
    expect(frames.filter((frame) => isError(frame))).toEqual([]);
  });
});
