import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '@chat/testkit';
import { e2eEnv, reportFigures, summarize, useCluster } from './support/cluster-fixture.js';
import { allReconnects, busiestNode, connectReceivers, startMixedSender, verifyEveryoneGotEverything, type Receivers } from './support/fault-scenario.js';
import { openStuckWebSocket, startPendingGet } from './support/raw-http.js';
import { ChatPeer } from './support/chat-peer.js';

const cluster = useCluster({ gateways: 3 });
const cleanups: Array<() => void> = [];
let receivers: Receivers | undefined;
afterAll(() => {
  receivers?.close();
  for (const cleanup of cleanups) cleanup();
});

const drainTimeoutMs = Number(e2eEnv.DRAIN_TIMEOUT_MS);

describe('SIGTERM drain of a gateway', () => {
  it('closes WebSockets with 1012, ends SSE, takes no new work, and its clients move with nothing lost', async () => {
    const room = 'node-drain';
    receivers = await connectReceivers(cluster(), room);
    const victim = busiestNode(cluster(), receivers);
    const victimId = victim.id;
    const wsOnVictim = receivers.ws.filter((client) => client.node === victimId);
    const sseOnVictim = receivers.sse.filter((client) => client.node === victimId);
    expect(wsOnVictim.length).toBeGreaterThan(0);

    const run = startMixedSender(cluster(), receivers, room, 80, 20);
    await eventually(() => run.acks.length >= 20, { what: '20 acks before SIGTERM' });
    const termAt = Date.now();
    const exit = await victim.kill('SIGTERM');
    const exitMs = Date.now() - termAt;
    // After the drain, new connections through nginx go elsewhere.
    const newcomers = Array.from({ length: 3 }, (_, i) => new ChatPeer({ url: cluster().url, nick: `${room}-late-${i}`, rooms: [room], transport: 'websocket' }));
    for (const client of newcomers) cleanups.push(() => client.close());
    await Promise.all(newcomers.map((client) => client.connect()));

    await run.done;
    const delivery = await verifyEveryoneGotEverything(receivers, run.acks);
    const reconnects = allReconnects(receivers);
    const postsToVictimAfterTerm = run.posts.filter((post) => post.startedAt > termAt + 50 && post.ack.node === victimId).length;

    reportFigures('node-drain', {
      messages: run.acks.length,
      victim: victimId,
      exitMs,
      exitCode: exit.code,
      wsCloseCodes: wsOnVictim.map((client) => client.closes[0]?.code),
      sseServerErrors: sseOnVictim.map((client) => client.serverErrors.map((error) => error.code)),
      wsReconnect: summarize(reconnects.ws.map((reconnect) => reconnect.ms)),
      sseReconnect: summarize(reconnects.sse.map((reconnect) => reconnect.ms)),
      postsToVictimAfterTerm,
      ...delivery,
    });
    expect(exit.code).toBe(0);
    expect(exitMs).toBeLessThan(drainTimeoutMs);
    for (const client of wsOnVictim) expect(client.closes[0]?.code, client.nick).toBe(1012);
    for (const client of sseOnVictim) expect(client.serverErrors.map((error) => error.code), client.nick).toContain('draining');
    for (const client of [...wsOnVictim, ...sseOnVictim]) expect(client.node, client.nick).not.toBe(victimId);
    for (const client of [...wsOnVictim, ...sseOnVictim]) expect(client.log.joins.slice(1).map((joined) => joined.recovered), client.nick).not.toContain(false);
    for (const client of newcomers) expect(client.node, client.nick).not.toBe(victimId);
    expect(postsToVictimAfterTerm).toBe(0);
    expect(delivery).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, gaps: 0, conflictingAcks: 0 });
    expect(cluster().unexpectedExits()).toEqual([]);
  });

  it('answers /readyz 503 while draining and exits within DRAIN_TIMEOUT_MS even when a client never closes', async () => {
    const victim = cluster().nodes.find((node) => node.running);
    if (!victim) throw new Error('no running node');
    // A frozen client (it never answers the close frame) keeps the drain open, so the drain can
    // be watched; a /readyz whose headers are already sent is answered by the draining node.
    const stuck = await openStuckWebSocket(victim.port);
    cleanups.push(() => stuck.destroy());
    const readyz = await startPendingGet(victim.port, '/readyz');
    const watcher = new ChatPeer({ url: victim.url, nick: 'drain-watcher', rooms: ['node-drain-2'], transport: 'websocket' });
    cleanups.push(() => watcher.close());
    await watcher.connect();

    const termAt = Date.now();
    const exited = victim.kill('SIGTERM');
    await eventually(() => watcher.closes.length > 0, { what: 'the 1012 close that starts the drain' });
    const readyzWhileDraining = await readyz.finish();
    const exit = await exited;
    const exitMs = Date.now() - termAt;

    reportFigures('node-drain-stuck-client', { node: victim.id, readyzWhileDraining: readyzWhileDraining.status, exitMs, exitCode: exit.code, drainTimeoutMs });
    expect(watcher.closes[0]?.code).toBe(1012);
    expect(readyzWhileDraining.status).toBe(503);
    expect(readyzWhileDraining.text).toMatch(/draining/);
    expect(exit.code).toBe(0);
    expect(exitMs).toBeLessThan(drainTimeoutMs + 1_000);
  });
});
