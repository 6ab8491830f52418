import { afterAll, describe, expect, it } from 'vitest';
import { eventually, checkDelivery, conflictingAcks, sumReports, type Ack, postMessage, startSteadySender, RoamingClient } from '@chat/testkit';
import { reportFigures, summarize } from '../e2e/support/cluster-fixture.js';
import { SseChatClient } from '../e2e/support/sse-chat-client.js';
import { useNetCluster } from './support/net-fixture.js';

const cluster = useNetCluster({ gateways: 3 });
const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

describe('a gateway cut off from Redis while its clients still reach it', () => {
  it('turns unready within 5 s, moves its clients elsewhere with jitter, loses nothing, and is ready again by itself when the link heals', async () => {
    const room = 'partition';
    const wsUrl = cluster().url.replace(/^http/, 'ws');
    const ws = Array.from({ length: 12 }, (_, i) => new RoamingClient(wsUrl, `p-ws-${i}`, [room], { livenessMs: 4_000 }));
    const sse = Array.from({ length: 3 }, (_, i) => new SseChatClient(cluster().url, `p-sse-${i}`, [room]));
    cleanups.push(() => [...ws, ...sse].forEach((client) => client.close()));
    for (const client of [...ws, ...sse]) await client.connect();
    // The cut node: the one holding gateway-1's clients (least_conn spread them over all three).
    const cutIndex = 1;
    const cutNode = cluster().nodes[cutIndex - 1];
    if (!cutNode) throw new Error('no gateway-1');
    const onCut = ws.filter((client) => client.node === cutNode.id);
    const sseOnCut = sse.filter((client) => client.node === cutNode.id);
    expect(onCut.length).toBeGreaterThan(0);

    // Steady traffic throughout: WebSocket senders in turn (some on the cut node) and POSTs through nginx.
    const run = startSteadySender(90, 20, (index) => {
      const text = `${room}-${index}`;
      if (index % 3 === 0) return postMessage(cluster().url, room, { text, nick: 'poster', cid: text }, 30_000);
      const sender = ws[index % ws.length];
      if (!sender) throw new Error('no sender');
      return sender.send(room, text, text);
    });
    await eventually(() => run.acks.length >= 15, { timeoutMs: 10_000, what: 'traffic before the cut' });

    const cutAt = Date.now();
    const linkId = cluster().faults.cut(cluster().redisLink(cutIndex));
    await eventually(async () => (await cutNode.readyz(500)) === 503, { timeoutMs: 8_000, intervalMs: 50, what: `${cutNode.id} /readyz 503` });
    const unreadyMs = Date.now() - cutAt;
    // A POST straight to the cut node fails fast with the temporary error, it does not hang.
    const postStarted = Date.now();
    const direct = await fetch(`${cutNode.url}/rooms/${room}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'to the cut node', cid: 'cut-direct' }),
      signal: AbortSignal.timeout(6_000),
    });
    const directPostMs = Date.now() - postStarted;
    const directBody = (await direct.json()) as { error?: { code?: string } };

    // Its clients are told to move (1012 / SSE `draining`) and end up on the healthy nodes.
    for (const client of onCut) await eventually(() => client.joined && client.node !== cutNode.id && !client.resuming, { timeoutMs: 15_000, what: `${client.nick} to resume elsewhere: ${client.describe()}` });
    for (const client of sseOnCut) await eventually(() => client.node !== undefined && client.node !== cutNode.id, { timeoutMs: 15_000, what: `${client.nick} (SSE) to resume elsewhere: ${client.describe()}` });
    const allMovedMs = Date.now() - cutAt;
    const moveCloses = onCut.flatMap((client) => client.closes.filter((close) => close.node === cutNode.id && close.at >= cutAt));
    const closeTimes = moveCloses.map((close) => close.at - cutAt);

    // nginx sends new clients elsewhere while the node is cut off.
    const newcomers = Array.from({ length: 6 }, (_, i) => new RoamingClient(wsUrl, `p-new-${i}`, [room]));
    cleanups.push(() => newcomers.forEach((client) => client.close()));
    for (const client of newcomers) await client.connect();

    await run.done;
    const everyone = [...ws, ...sse];
    await Promise.all(everyone.map((client) => client.log.waitFor(() => client.log.hasAll(run.acks), `${client.nick} to have all ${run.acks.length} acked messages`, 20_000)));
    const delivery = sumReports(everyone.map((client) => checkDelivery(client.log.messages, run.acks)));

    cluster().faults.heal(linkId);
    const healedAt = Date.now();
    await cutNode.waitReady(15_000);
    const readyAgainMs = Date.now() - healedAt;
    // Ready again means serving again: a client straight to it joins and gets a message.
    const back = new RoamingClient(cutNode.url.replace(/^http/, 'ws'), 'p-back', [room]);
    cleanups.push(() => back.close());
    await back.connect();
    const ack: Ack = await back.send(room, 'after the heal', 'after-heal');
    await ws[0]?.log.waitFor(() => ws[0]?.log.hasAll([ack]) ?? false, 'the message sent on the healed node');

    reportFigures('redis-partition', {
      node: cutNode.id,
      clientsMoved: { ws: onCut.length, sse: sseOnCut.length },
      unreadyAfterCutMs: unreadyMs,
      directPost: { status: direct.status, code: directBody.error?.code, ms: directPostMs },
      moveCloseCodes: [...new Set(moveCloses.map((close) => close.code))],
      movesSpreadMs: closeTimes.length > 0 ? Math.max(...closeTimes) - Math.min(...closeTimes) : 0,
      allMovedAfterCutMs: allMovedMs,
      reconnects: summarize(onCut.flatMap((client) => client.reconnects.map((reconnect) => reconnect.ms))),
      newcomersOnCutNode: newcomers.filter((client) => client.node === cutNode.id).length,
      readyAgainAfterHealMs: readyAgainMs,
      messages: run.acks.length,
      ...delivery,
    });
    expect(unreadyMs).toBeLessThan(5_000);
    expect(direct.status).toBe(503);
    expect(directBody.error?.code).toBe('unavailable');
    expect(directPostMs).toBeLessThan(3_000);
    expect(new Set(moveCloses.map((close) => close.code))).toEqual(new Set([1012]));
    for (const client of sseOnCut) expect(client.serverErrors.map((error) => error.code)).toContain('draining');
    expect(newcomers.filter((client) => client.node === cutNode.id)).toEqual([]);
    expect(delivery).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, gaps: 0 });
    expect(conflictingAcks(run.acks)).toBe(0);
    expect(cluster().unexpectedExits()).toEqual([]);
  });
});
