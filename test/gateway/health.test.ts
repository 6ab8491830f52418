import type { JoinedEvent } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import { type RedisServer, eventually } from '@chat/testkit';
import { isJoined } from './helpers/frames.js';
import { useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { fetchJson, metricValue, postMessage, scrapeMetrics } from './helpers/http-client.js';
import { JsonWsClient, ServerError } from './helpers/json-ws-client.js';
import { WsLineClient } from './helpers/line-clients.js';
import { Resources } from './helpers/resources.js';

const resources = new Resources();
let redis: RedisServer;
let a: TestNode;
let b: TestNode;

useTwoNodes(resources, {}, (nodes) => ({ redis, a, b } = nodes));

describe('health, readiness and metrics', () => {
  it('/healthz is 200', async () => {
    for (const node of [a, b]) {
      const answer = await fetchJson(`${node.http}/healthz`);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-node-id')).toBe(node.id);
    }
  });

  it('every response carries X-Node-Id, errors included', async () => {
    const responses = await Promise.all([
      fetch(`${a.http}/readyz`),
      fetch(`${a.http}/metrics`),
      fetch(`${a.http}/chat`),
      fetch(`${a.http}/no-such-file.txt`),
      fetch(`${a.http}/rooms/bad%20room/messages`),
      fetch(`${b.http}/rooms/x/presence`),
    ]);
    for (const response of responses) {
      expect(response.headers.get('x-node-id'), response.url).toBe(response.url.startsWith(a.http) ? 'node-a' : 'node-b');
      await response.arrayBuffer();
    }
    const post = await postMessage(b.http, 'header-room', { text: 'hi' });
    expect(post.headers.get('x-node-id')).toBe('node-b');
  });

  it('/metrics is Prometheus text with connections by transport, deliveries, broker reconnects and event-loop lag', async () => {
    const client = resources.track(await JsonWsClient.connect(a.ws));
    const line = resources.track(await WsLineClient.connect(a.ws));
    await client.join('metrics-room');
    await client.say('metrics-room', 'counted');
    await client.waitForMessage('metrics-room', 'counted');
    const response = await fetch(`${a.http}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await response.text();
    expect(text).toMatch(/^chat_connections\{[^}]*transport="ws"[^}]*\} \d+/m);
    expect(metricValue(text, 'chat_connections', { transport: 'ws' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'chat_connections', { transport: 'ws_line' })).toBeGreaterThanOrEqual(1);
    expect(metricValue(text, 'chat_deliveries_total', { transport: 'ws' })).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^chat_broker_reconnects_total(\{[^}]*\})? \d+/m);
    expect(text).toMatch(/^nodejs_eventloop_lag\w*(\{[^}]*\})? [\d.e+-]+/m);
    expect(text).toMatch(/node="node-a"/);
    await line.close();
  });

  it('/readyz is 503 with a JSON reason soon after Redis dies, a send gets error unavailable, and all recovers by itself', async () => {
    const room = 'outage';
    const client = resources.track(await JsonWsClient.connect(a.ws, { nick: 'survivor' }));
    const joinedBefore = await client.join(room);
    const before = metricValue(await scrapeMetrics(a.http), 'chat_broker_reconnects_total');
    for (const node of [a, b]) expect((await fetchJson(`${node.http}/readyz`)).status).toBe(200);

    await redis.kill();
    for (const node of [a, b]) {
      const unready = await eventually(
        async () => {
          const answer = await fetchJson<{ reason?: unknown }>(`${node.http}/readyz`);
          return answer.status === 503 ? answer : undefined;
        },
        { timeoutMs: 5000, what: `${node.id} /readyz 503` },
      );
      expect(typeof unready.body.reason).toBe('string');
      expect(unready.headers.get('content-type')).toMatch(/^application\/json/);
    }
    expect((await fetchJson(`${a.http}/healthz`)).status).toBe(200);

    const error = await client.expectError({ type: 'send', room, text: 'during the outage', cid: 'outage-1' });
    expect(error.code).toBe('unavailable');
    expect(client.isOpen).toBe(true);
    const post = await postMessage(b.http, room, { text: 'posted during the outage' });
    expect(post.status).toBe(503);
    expect(post.body.error?.code).toBe('unavailable');

    await redis.start();
    for (const node of [a, b]) {
      await eventually(async () => (await fetchJson(`${node.http}/readyz`)).status === 200, { timeoutMs: 10_000, what: `${node.id} ready again` });
    }
    const ack = await eventually(
      async () => {
        try {
          return await client.say(room, 'after the outage', 'outage-2');
        } catch (failure) {
          if (failure instanceof ServerError && failure.frame.code === 'unavailable') return undefined;
          throw failure;
        }
      },
      { timeoutMs: 10_000, intervalMs: 100, what: 'a send accepted after recovery' },
    );
    expect(ack.duplicate).toBe(false);
    const message = await client.waitForMessage(room, 'after the outage');
    // Redis came back empty: the room's epoch changed, and the client was told so, never silently.
    expect(message.epoch).not.toBe(joinedBefore.epoch);
    const reset = await client.next((frame): frame is JoinedEvent => isJoined(frame, room) && frame.epoch === message.epoch);
    expect(reset.recovered).toBe(false);
    expect(metricValue(await scrapeMetrics(a.http), 'chat_broker_reconnects_total')).toBeGreaterThan(before);
  });
});
