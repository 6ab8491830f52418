import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../services/gateway/src/config.js';
import { isAck, offsetsOf, range } from './helpers/frames.js';
import { useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { Resources } from './helpers/resources.js';

const WINDOW_MS = 40;
// Generous: the machine running the suite is shared; what matters is that nothing waits for more traffic.
const ARRIVAL_BOUND_MS = WINDOW_MS + 1000;
const resources = new Resources();
let a: TestNode;
let b: TestNode;

useTwoNodes(resources, { WRITE_BATCH_MS: String(WINDOW_MS), MAX_TEXT_LENGTH: '8000' }, (nodes) => ({ a, b } = nodes));

/** Texts of assorted sizes and alphabets, so batched frames of every header size sit side by side. */
const textOf = (i: number): string => `${i}:${['short', 'ünïcødé ✓ 🚀', 'x'.repeat(200), 'y'.repeat(5000)][i % 4] ?? ''}`;

describe('write batching (WRITE_BATCH_MS)', () => {
  it('every member on either node gets every message complete and in order', async () => {
    const room = 'batched';
    const sender = resources.track(await JsonWsClient.connect(a.ws, { nick: 'sender' }));
    const receivers = [
      resources.track(await JsonWsClient.connect(a.ws, { nick: 'near' })),
      resources.track(await JsonWsClient.connect(b.ws, { nick: 'far-1' })),
      resources.track(await JsonWsClient.connect(b.ws, { nick: 'far-2' })),
    ];
    const joined = await Promise.all(receivers.map((receiver) => receiver.join(room)));
    await sender.join(room);

    const total = 240;
    const burst = 40;
    for (let sent = 0; sent < total; sent += burst) {
      for (let i = sent; i < sent + burst; i++) sender.send({ type: 'send', room, text: textOf(i), cid: `c${i}` });
      await sender.frames.waitFor((frames) => frames.filter(isAck).length >= sent + burst, { timeoutMs: 10_000, what: `${sent + burst} acks` });
    }

    for (const [index, receiver] of receivers.entries()) {
      const start = (joined[index]?.offset ?? 0) + 1;
      const messages = await receiver.waitForMessages(room, total, 15_000);
      expect(offsetsOf(messages)).toEqual(range(start, start + total - 1));
      expect(messages.map((message) => message.text)).toEqual(Array.from({ length: total }, (_, i) => textOf(i)));
    }
  });

  it('a lone message is written when the window ends, without waiting for more traffic', async () => {
    const room = 'lone';
    const sender = resources.track(await JsonWsClient.connect(a.ws, { nick: 'sender' }));
    const receiver = resources.track(await JsonWsClient.connect(b.ws, { nick: 'receiver' }));
    await receiver.join(room);
    await sender.join(room);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      const started = performance.now();
      sender.send({ type: 'send', room, text: `lone ${i}` });
      await receiver.waitForMessage(room, `lone ${i}`, 10_000);
      waits.push(performance.now() - started);
    }
    expect(Math.max(...waits), `arrival times ${waits.map((ms) => ms.toFixed(0)).join(', ')} ms`).toBeLessThan(ARRIVAL_BOUND_MS);
  });

  it('WRITE_BATCH_MS defaults to 0 (off) and a bad value names the variable', () => {
    expect(loadConfig({}).writeBatchMs).toBe(0);
    expect(loadConfig({ WRITE_BATCH_MS: '20' }).writeBatchMs).toBe(20);
    expect(() => loadConfig({ WRITE_BATCH_MS: '-5' })).toThrow(ConfigError);
    expect(() => loadConfig({ WRITE_BATCH_MS: '5000' })).toThrow(/WRITE_BATCH_MS/);
  });
});
