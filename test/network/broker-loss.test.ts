import { createServer } from 'node:http';
import { describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { BrokerHealthEvent, BrokerHealthListener } from '@chat/core';
import { eventually } from '@chat/testkit';
import { gateLongLivedRequests } from '../../services/gateway/src/broker-loss-gate.js';
import { BrokerLossReaction } from '../../services/gateway/src/broker-loss.js';
import { createLogger } from '../../services/gateway/src/logger.js';

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

describe('the gate in front of a node without its broker', () => {
  it('answers 503 unavailable to new long-lived connections (WebSocket upgrade, SSE, long-poll) while refusing, and serves everything else', async () => {
    let refusing = true;
    const http = createServer((_request, response) => response.end('served'));
    http.on('upgrade', (_request, socket) => socket.end('HTTP/1.1 101 Switching Protocols\r\n\r\n'));
    gateLongLivedRequests(http, () => refusing, 'gate-test');
    await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
    const address = http.address();
    const base = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    try {
      const sse = await fetch(`${base}/sse?rooms=a`);
      expect(sse.status).toBe(503);
      expect(sse.headers.get('x-node-id')).toBe('gate-test');
      expect(await sse.json()).toMatchObject({ error: { code: 'unavailable' } });
      expect((await fetch(`${base}/poll?rooms=a`)).status).toBe(503);
      expect(await (await fetch(`${base}/readyz`)).text()).toBe('served');
      const upgradeStatus = await new Promise<number | undefined>((resolve) => {
        const socket = new WebSocket(`${base.replace(/^http/, 'ws')}/ws`);
        socket.on('unexpected-response', (_request, response) => {
          resolve(response.statusCode);
          socket.terminate();
        });
        socket.on('open', () => resolve(101));
        socket.on('error', () => resolve(undefined));
      });
      expect(upgradeStatus).toBe(503);
      refusing = false;
      expect(await (await fetch(`${base}/sse?rooms=a`)).text()).toBe('served');
    } finally {
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
  });
});
