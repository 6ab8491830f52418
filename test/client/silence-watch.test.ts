import { parseServerEvent } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import { SilenceWatch, silenceLimitMs } from '../../services/client/src/silence-watch.js';

const wait = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

describe('holding a stream to the heartbeat the node announced', () => {
  it('allows an interval, one more (at most 10 s) and a second: short intervals are strict, the defaults kind to phones', () => {
    expect(silenceLimitMs(2_000)).toBe(5_000);
    expect(silenceLimitMs(15_000)).toBe(26_000);
    expect(silenceLimitMs(30_000)).toBe(41_000);
  });

  it('reads heartbeatMs from welcome, and ignores a value a client cannot hold a server to', () => {
    const welcome = { type: 'welcome', node: 'n', session: 's', nick: 'k' };
    expect(parseServerEvent({ ...welcome, heartbeatMs: 2000 })).toEqual({ ...welcome, heartbeatMs: 2000 });
    for (const heartbeatMs of [0, -5, 1.5, '2000', 1e12]) expect(parseServerEvent({ ...welcome, heartbeatMs })).toEqual(welcome);
  });

  it('fires once when nothing was heard for the limit, and not while things keep arriving', async () => {
    const silences: number[] = [];
    const watch = new SilenceWatch((silentMs) => silences.push(silentMs));
    watch.watch(120);
    const keepAlive = setInterval(() => watch.heard(), 30);
    await wait(300);
    expect(silences).toEqual([]);
    clearInterval(keepAlive);
    await wait(300);
    expect(silences).toHaveLength(1);
    expect(silences[0]).toBeGreaterThanOrEqual(120);
    watch.stop();
  });

  it('judges only after what already arrived was read: a late timer after a busy loop is not silence', async () => {
    const silences: number[] = [];
    const watch = new SilenceWatch((silentMs) => silences.push(silentMs));
    watch.watch(100);
    // The process is busy past the limit; a frame was waiting meanwhile and is read right after.
    const until = Date.now() + 200;
    while (Date.now() < until) {
      // busy
    }
    setImmediate(() => watch.heard());
    await wait(50);
    expect(silences).toEqual([]);
    watch.stop();
    await wait(150);
    expect(silences).toEqual([]);
  });
});
