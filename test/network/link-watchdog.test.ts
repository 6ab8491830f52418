import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrokerUnavailableError, RedisBroker } from '@chat/core';
import { freePort, startRedisServer, type RedisServer } from '@chat/testkit';
import { DelayProxy } from './support/delay-proxy.js';

let redis: RedisServer;
let relay: DelayProxy;
const brokers: RedisBroker[] = [];

beforeAll(async () => {
  redis = await startRedisServer();
  relay = new DelayProxy({ host: '127.0.0.1', port: await freePort() }, { host: '127.0.0.1', port: redis.port }, { delayMs: 0, jitterMs: 0 });
  await relay.start();
});
afterEach(async () => {
  relay.silence(false);
  await Promise.all(brokers.splice(0).map((broker) => broker.stop({ cleanup: false })));
});
afterAll(async () => {
  await relay?.stop();
  await redis?.stop();
});

function brokerThroughRelay(link: { pingIntervalMs: number; timeoutMs: number }): RedisBroker {
  const broker = new RedisBroker({ url: `redis://127.0.0.1:${relay.listen.port}`, nodeId: 'watchdog-test', historySize: 100, presenceTtlMs: 1000, link });
  brokers.push(broker);
  return broker;
}

function nextHealth(broker: RedisBroker, type: 'connected' | 'disconnected', timeoutMs: number): Promise<number> {
  const since = Date.now();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no '${type}' within ${timeoutMs} ms`)), timeoutMs);
    const off = broker.onHealth((event) => {
      if (event.type !== type) return;
      clearTimeout(timer);
      off();
      resolve(Date.now() - since);
    });
  });
}

async function failure(operation: Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  try {
    await operation;
  } catch (error) {
    return { error, ms: Date.now() - started };
  }
  throw new Error('the operation succeeded on a silent link');
}

describe('Redis link watchdog', () => {
  it('a link that goes silent (no reset) is reported disconnected within interval + timeout, sends fail at once, and it recovers by itself', async () => {
    const broker = brokerThroughRelay({ pingIntervalMs: 200, timeoutMs: 400 });
    await broker.start();
    await broker.publish('wd', { text: 'before', nick: 'n' });

    relay.silence(true);
    const lostMs = await nextHealth(broker, 'disconnected', 3_000);
    expect(lostMs).toBeLessThan(1_000);
    const refused = await failure(broker.publish('wd', { text: 'during', nick: 'n', cid: 'during-1' }));
    expect(refused.error).toBeInstanceOf(BrokerUnavailableError);
    expect(refused.ms).toBeLessThan(100);

    relay.silence(false);
    await nextHealth(broker, 'connected', 10_000);
    const stored = await broker.publish('wd', { text: 'during', nick: 'n', cid: 'during-1' });
    expect(stored.duplicate).toBe(false);
  });

  it('with the watchdog off, a command on a silent link still fails with unavailable after the command timeout instead of hanging', async () => {
    const broker = brokerThroughRelay({ pingIntervalMs: 0, timeoutMs: 300 });
    await broker.start();
    relay.silence(true);
    const { error, ms } = await failure(broker.publish('wd-timeout', { text: 'hangs?', nick: 'n' }));
    expect(error).toBeInstanceOf(BrokerUnavailableError);
    expect(ms).toBeGreaterThanOrEqual(250);
    expect(ms).toBeLessThan(1_500);
  });
});
