import { afterAll, describe, expect, it } from 'vitest';
import { eventually } from '@chat/testkit';
import { e2eEnv, reportFigures, summarize, useCluster } from './support/cluster-fixture.js';
import { allReconnects, busiestNode, connectReceivers, presence, startMixedSender, verifyEveryoneGotEverything, type Receivers } from './support/fault-scenario.js';

const cluster = useCluster({ gateways: 3 });
let receivers: Receivers | undefined;
afterAll(() => receivers?.close());

const presenceTtlMs = Number(e2eEnv.PRESENCE_TTL_MS);

describe('kill -9 of a gateway while messages flow', () => {
  it('its clients resume on other nodes with every acked message exactly once, in order, and its presence expires', async () => {
    const room = 'node-kill';
    receivers = await connectReceivers(cluster(), room);
    const victim = busiestNode(cluster(), receivers);
    const victimId = victim.id;
    const onVictim = receivers.all().filter((client) => client.node === victimId);
    expect(onVictim.length).toBeGreaterThan(0);
    await eventually(async () => (await presence(cluster(), room)).some((member) => member.node === victimId), { what: `presence on ${victimId}` });

    // 20 messages/s for 4 s; the kill lands after the first second.
    const run = startMixedSender(cluster(), receivers, room, 80, 20);
    await eventually(() => run.acks.length >= 20, { what: '20 acks before the kill' });
    const killedAt = Date.now();
    const exit = await victim.kill('SIGKILL');
    expect(exit.signal).toBe('SIGKILL');

    const presenceGone = eventually(async () => !(await presence(cluster(), room)).some((member) => member.node === victimId) && Date.now() - killedAt, {
      timeoutMs: presenceTtlMs + 5_000,
      intervalMs: 50,
      what: `presence of ${victimId} to expire`,
    });
    await run.done;
    const presenceExpiredMs = await presenceGone;
    const delivery = await verifyEveryoneGotEverything(receivers, run.acks);
    const reconnects = allReconnects(receivers);

    reportFigures('node-kill', {
      messages: run.acks.length,
      ratePerSec: 20,
      victim: victimId,
      clientsOnVictim: onVictim.length,
      wsReconnect: summarize(reconnects.ws.map((reconnect) => reconnect.ms)),
      sseReconnect: summarize(reconnects.sse.map((reconnect) => reconnect.ms)),
      presenceTtlMs,
      presenceExpiredMs,
      ...delivery,
    });
    for (const client of onVictim) {
      expect(client.reconnects.length, client.nick).toBeGreaterThan(0);
      expect(client.node).not.toBe(victimId);
      // Resumed with since / Last-Event-ID: the new node filled the gap, nothing reported missing.
      expect(client.log.joins.slice(1).map((joined) => joined.recovered), client.nick).not.toContain(false);
    }
    expect(delivery).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, gaps: 0, conflictingAcks: 0 });
    expect(presenceExpiredMs).toBeLessThanOrEqual(presenceTtlMs + 1_000);
    expect(cluster().unexpectedExits()).toEqual([]);
  });
});
