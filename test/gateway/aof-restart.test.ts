import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, RedisProcess } from '@chat/testkit';
import { fetchJson, type PostAnswer } from './helpers/http-client.js';
import { startNode, type TestNode } from './helpers/gateway-nodes.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { Resources } from './helpers/resources.js';

const resources = new Resources();
let redis: RedisProcess;
let dir: string;
let a: TestNode;
let b: TestNode;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chat-aof-'));
  // As docker-compose.yml and `npm run cluster` run it.
  redis = new RedisProcess({ port: await freePort(), args: ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', dir] });
  await redis.start();
  // Nodes keep their clients through the restart rather than moving them elsewhere.
  const settings = { BROKER_LOSS_GRACE_MS: '60000' };
  a = await startNode('node-a', redis.url, settings);
  resources.track({ close: () => a.drain() });
  b = await startNode('node-b', redis.url, settings);
  resources.track({ close: () => b.drain() });
});
afterAll(async () => {
  await resources.closeAll();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

let unavailableAnswers = 0;

/** Posts until the message is stored: a 503 while Redis is away is retried with the same cid. */
async function sendUntilStored(node: TestNode, room: string, text: string, cid: string): Promise<PostAnswer> {
  for (;;) {
    const answer = await fetchJson<PostAnswer>(`${node.http}/rooms/${room}/messages`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ text, nick: 'sender', cid }),
    }).catch(() => undefined);
    if (answer && (answer.status === 201 || answer.status === 200)) return answer.body;
    unavailableAnswers += 1;
    if (answer && answer.status !== 503) throw new Error(`send ${cid}: ${answer.status} ${JSON.stringify(answer.body)}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('history that survives a Redis restart (AOF)', () => {
  it('Redis killed and restarted under live traffic: same epoch, resumes are recovered, 0 acked messages lost', async () => {
    const room = 'aof';
    const receiver = resources.track(await JsonWsClient.connect(b.ws, { nick: 'receiver' }));
    const first = await receiver.join(room);
    const resumer = resources.track(await JsonWsClient.connect(a.ws, { nick: 'resumer' }));
    await resumer.join(room);

    const TOTAL = 120;
    const acks: PostAnswer[] = [];
    let restarted: Promise<void> | undefined;
    let resumeFrom: { epoch: string; offset: number } | undefined;
    for (let i = 1; i <= TOTAL; i++) {
      acks.push(await sendUntilStored(i % 2 === 0 ? a : b, room, `m${i}`, `cid-${i}`));
      if (i === 40) {
        const seen = await resumer.waitForMessages(room, 40);
        resumeFrom = { epoch: seen.at(-1)!.epoch, offset: seen.at(-1)!.offset };
        await resumer.close();
        restarted = redis.kill().then(() => redis.start());
      }
    }
    await restarted;
    // Sends really met the restart: some were refused while Redis was away, then retried.
    expect(unavailableAnswers).toBeGreaterThan(0);

    const epochs = new Set([first.epoch, ...acks.map((ack) => ack.epoch)]);
    expect(epochs.size).toBe(1);
    const offsets = acks.map((ack) => ack.offset);
    expect(new Set(offsets).size).toBe(TOTAL);
    const received = await receiver.waitForMessages(room, TOTAL, 30_000);
    expect(received.map((message) => message.text)).toEqual(Array.from({ length: TOTAL }, (_, i) => `m${i + 1}`));
    expect(received.map((message) => message.offset)).toEqual(offsets);
    expect(receiver.frames.items.filter((frame) => frame.type === 'joined')).toHaveLength(1);

    const back = resources.track(await JsonWsClient.connect(b.ws, { nick: 'resumer' }));
    const resumed = await back.join(room, resumeFrom);
    expect(resumed.recovered).toBe(true);
    expect(resumed.epoch).toBe(first.epoch);
    expect(resumed.messages.map((message) => message.text)).toEqual(Array.from({ length: TOTAL - 40 }, (_, i) => `m${i + 41}`));
  });
});
