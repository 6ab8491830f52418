import { connect } from 'node:net';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { BrokerHealthEvent, BrokerHealthListener } from '@chat/core';
import { eventually, startRedisServer } from '@chat/testkit';
import { BrokerLossReaction } from '../../services/gateway/src/broker-loss.js';
import { createLogger } from '../../services/gateway/src/logger.js';
import { startNode } from '../gateway/helpers/gateway-nodes.js';

/** A broker whose connection the test flips. */
class FlippableBroker {
  private connected = true;
  private readonly listeners = new Set<BrokerHealthListener>();
  isConnected(): boolean {
    return this.connected;
  }
  onHealth(listener: BrokerHealthListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }
  set(connected: boolean): void {
    this.connected = connected;
    const event: BrokerHealthEvent = connected ? { type: 'connected' } : { type: 'disconnected', reason: 'test' };
    for (const listener of this.listeners) listener(event);
  }
}

function clients(count: number): Array<{ drain(): void; movedAt: number | undefined }> {
  return Array.from({ length: count }, () => {
    const client = { movedAt: undefined as number | undefined, drain: () => void (client.movedAt ??= Date.now()) };
    return client;
  });
}

const logger = createLogger('silent', 'broker-loss-test');

describe('a node that loses its broker', () => {
  it('ignores a blip shorter than the grace', async () => {
    const broker = new FlippableBroker();
    const held = clients(5);
    const reaction = new BrokerLossReaction(broker, () => held, { graceMs: 150, spreadMs: 50 }, logger);
    broker.set(false);
    await new Promise((resolve) => setTimeout(resolve, 50));
    broker.set(true);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(reaction.refusing).toBe(false);
    expect(held.filter((client) => client.movedAt !== undefined)).toEqual([]);
  });

  it('after the grace refuses new clients and moves every held one at a random moment within the spread', async () => {
    const broker = new FlippableBroker();
    const held = clients(40);
    const reaction = new BrokerLossReaction(broker, () => held, { graceMs: 100, spreadMs: 400 }, logger);
    const lostAt = Date.now();
    broker.set(false);
    await eventually(() => held.every((client) => client.movedAt !== undefined), { timeoutMs: 3_000, what: 'every client moved' });
    expect(reaction.refusing).toBe(true);
    const delays = held.map((client) => (client.movedAt ?? 0) - lostAt);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(95);
    // Spread, not all at once: the moves cover a good part of the window.
    expect(Math.max(...delays) - Math.min(...delays)).toBeGreaterThan(150);
    broker.set(true);
    expect(reaction.refusing).toBe(false);
  });

  it('stops moving clients and takes new ones as soon as the broker is back', async () => {
    const broker = new FlippableBroker();
    const held = clients(40);
    const reaction = new BrokerLossReaction(broker, () => held, { graceMs: 20, spreadMs: 2_000 }, logger);
    broker.set(false);
    await eventually(() => held.some((client) => client.movedAt !== undefined), { timeoutMs: 3_000, what: 'a first client moved' });
    broker.set(true);
    const movedThen = held.filter((client) => client.movedAt !== undefined).length;
    await new Promise((resolve) => setTimeout(resolve, 2_100));
    expect(reaction.refusing).toBe(false);
    expect(held.filter((client) => client.movedAt !== undefined).length).toBe(movedThen);
    expect(movedThen).toBeLessThan(held.length);
  });

  it('a node that drains while its broker is lost stops moving clients and does not log the broker as back', async () => {
    const broker = new FlippableBroker();
    const held = clients(3);
    const lines: string[] = [];
    const recording = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });
    const reaction = new BrokerLossReaction(broker, () => held, { graceMs: 20, spreadMs: 60_000 }, recording);
    broker.set(false);
    await eventually(() => reaction.refusing, { timeoutMs: 3_000, what: 'the node reacting to the loss' });
    reaction.stop();
    expect(reaction.refusing).toBe(false);
    expect(lines.some((line) => line.includes('broker lost'))).toBe(true);
    expect(lines.filter((line) => line.includes('broker back'))).toEqual([]);
  });

  it('a node that drains does not also react to its own broker stopping', async () => {
    const broker = new FlippableBroker();
    const held = clients(3);
    const reaction = new BrokerLossReaction(broker, () => held, { graceMs: 20, spreadMs: 20 }, logger);
    reaction.stop();
    broker.set(false);
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(reaction.refusing).toBe(false);
    expect(held.filter((client) => client.movedAt !== undefined)).toEqual([]);
  });
});

describe('admission on a node without its broker', () => {
  it('answers 503 unavailable to new long-lived clients on every transport while Redis is gone, serves the rest, and takes clients again when it returns', async () => {
    const redis = await startRedisServer();
    const node = await startNode('lost-broker', redis.url, {
      BROKER_LOSS_GRACE_MS: '100',
      BROKER_LOSS_SPREAD_MS: '50',
      REDIS_PING_INTERVAL_MS: '200',
      REDIS_TIMEOUT_MS: '500',
      TCP_PORT: '0',
    });
    try {
      await eventually(async () => (await fetch(`${node.http}/readyz`)).status === 200, { what: 'ready' });
      await redis.kill();
      // A poll fails with unavailable as soon as Redis is gone; the node refuses new clients after the grace.
      await eventually(async () => JSON.stringify(await (await fetch(`${node.http}/poll?rooms=a&timeout=0`)).json()).includes('lost its message broker'), { what: 'refusing new clients' });
      for (const path of ['/sse?rooms=a', '/xhr-stream?rooms=a', '/pushlet?rooms=a', '/poll?rooms=a&timeout=0']) {
        const answer = await fetch(`${node.http}${path}`);
        expect(answer.status, path).toBe(503);
        expect(answer.headers.get('retry-after'), path).toBe('1');
        expect(await answer.json(), path).toMatchObject({ error: { code: 'unavailable' } });
      }
      const upgradeStatus = await new Promise<number | undefined>((resolve) => {
        const socket = new WebSocket(`${node.ws}/ws`);
        socket.on('unexpected-response', (_request, response) => {
          resolve(response.statusCode);
          socket.terminate();
        });
        socket.on('open', () => resolve(101));
        socket.on('error', () => resolve(undefined));
      });
      expect(upgradeStatus).toBe(503);
      const tcpNotice = await new Promise<string>((resolve, reject) => {
        const socket = connect(node.tcpPort, '127.0.0.1');
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(tcpNotice).toMatch(/^status ! this node lost its message broker/);
      // Health and the static page are still served: nginx and people can see what is wrong.
      expect((await fetch(`${node.http}/readyz`)).status).toBe(503);
      expect((await fetch(`${node.http}/healthz`)).status).toBe(200);

      await redis.start();
      await eventually(async () => (await fetch(`${node.http}/poll?rooms=a&timeout=0`)).status === 200, { timeoutMs: 15_000, what: 'taking clients again' });
    } finally {
      await node.drain();
      await redis.stop();
    }
  });
});
