import { EventEmitter } from 'node:events';
import type { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BrokerUnavailableError, RedisBroker } from '@chat/core';
import { LinkWatchdog } from '../../services/core/src/redis/link-watchdog.js';
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

/** A connection whose PONG the test holds back, and whose socket the test makes deliver other bytes. */
function fakeConnection() {
  let pong: (() => void) | undefined;
  // As with ioredis, a destroyed socket leaves the connection no longer ready.
  const stream = Object.assign(new EventEmitter(), {
    destroyed: false,
    destroy: () => {
      stream.destroyed = true;
      connection.status = 'close';
    },
  });
  const connection = {
    status: 'ready',
    stream,
    ping: () => new Promise<string>((resolve) => (pong = () => resolve('PONG'))),
  };
  return { connection, stream, pong: () => pong?.() };
}

describe('LinkWatchdog on its own', () => {
  it('leaves a busy link alone: replies keep arriving while the PONG waits behind them', async () => {
    const { connection, stream, pong } = fakeConnection();
    const silent: string[] = [];
    const watchdog = new LinkWatchdog(() => [['commands', connection as unknown as Redis]], { pingIntervalMs: 50, timeoutMs: 150 }, (role) => silent.push(role));
    watchdog.start();
    const trickle = setInterval(() => stream.emit('data', Buffer.from('+OK\r\n')), 20);
    await new Promise((resolve) => setTimeout(resolve, 600));
    clearInterval(trickle);
    watchdog.stop();
    pong();
    expect(silent).toEqual([]);
    expect(stream.destroyed).toBe(false);
  });

  it('counts only the time the event loop ran: a stall longer than the timeout is no silence of the link', async () => {
    const { connection, stream, pong } = fakeConnection();
    const silent: string[] = [];
    const watchdog = new LinkWatchdog(() => [['commands', connection as unknown as Redis]], { pingIntervalMs: 50, timeoutMs: 150 }, (role) => silent.push(role));
    watchdog.start();
    // Just after the first PING: the node is busy for twice the timeout (20,000 clients joining),
    // and the reply, which a busy node reads late, arrives 60 ms after the stall.
    await new Promise((resolve) => setTimeout(resolve, 60));
    const until = Date.now() + 300;
    while (Date.now() < until) {
      // stalled
    }
    let trickle: NodeJS.Timeout | undefined;
    setTimeout(() => {
      stream.emit('data', Buffer.from('+PONG\r\n'));
      trickle = setInterval(() => stream.emit('data', Buffer.from('+OK\r\n')), 20);
    }, 60);
    await new Promise((resolve) => setTimeout(resolve, 500));
    clearInterval(trickle);
    watchdog.stop();
    pong();
    expect(silent).toEqual([]);
    expect(stream.destroyed).toBe(false);
  });

  it('drops a link from which nothing at all arrives', async () => {
    const { connection, stream } = fakeConnection();
    const silent: string[] = [];
    const watchdog = new LinkWatchdog(() => [['subscriber', connection as unknown as Redis]], { pingIntervalMs: 50, timeoutMs: 150 }, (role) => silent.push(role));
    watchdog.start();
    await new Promise((resolve) => setTimeout(resolve, 400));
    watchdog.stop();
    expect(silent).toEqual(['subscriber']);
    expect(stream.destroyed).toBe(true);
  });
});
