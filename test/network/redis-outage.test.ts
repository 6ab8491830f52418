import { afterAll, describe, expect, it } from 'vitest';
import { eventually, checkDelivery, conflictingAcks, sumReports, postMessage, startSteadySender, RoamingClient } from '@chat/testkit';
import { reportFigures, summarize } from '../e2e/support/cluster-fixture.js';
import { SseChatClient } from '../e2e/support/sse-chat-client.js';
import { useNetCluster } from './support/net-fixture.js';

/** The figure: Redis unreachable from every gateway for 10 s. */
const OUTAGE_MS = Number(process.env.NET_OUTAGE_MS ?? 10_000);

const cluster = useNetCluster({ gateways: 3 });
const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

describe('Redis unreachable from every gateway', () => {
  it(`for ${OUTAGE_MS / 1000} s: no node crashes, sends fail with a temporary error and are retried with the same cid, every acked message arrives once after healing`, { timeout: OUTAGE_MS + 60_000 }, async () => {
    const room = 'outage';
    const wsUrl = cluster().url.replace(/^http/, 'ws');
    const ws = Array.from({ length: 9 }, (_, i) => new RoamingClient(wsUrl, `o-ws-${i}`, [room], { livenessMs: 4_000 }));
    const sse = Array.from({ length: 3 }, (_, i) => new SseChatClient(cluster().url, `o-sse-${i}`, [room]));
    cleanups.push(() => [...ws, ...sse].forEach((client) => client.close()));
    for (const client of [...ws, ...sse]) await client.connect();

    // 10 messages/s from before the outage to after it: every one must end up stored once.
    const count = Math.ceil((OUTAGE_MS + 6_000) / 100);
    const run = startSteadySender(count, 10, (index) => {
      const text = `${room}-${index}`;
      if (index % 3 === 0) return postMessage(cluster().url, room, { text, nick: 'poster', cid: text }, OUTAGE_MS + 40_000);
      const sender = ws[index % ws.length];
      if (!sender) throw new Error('no sender');
      return sender.send(room, text, text);
    });
    await eventually(() => run.acks.length >= 10, { timeoutMs: 10_000, what: 'traffic before the outage' });

    const cutAt = Date.now();
    const links = cluster().nodes.map((_, i) => cluster().faults.cut(cluster().redisLink(i + 1)));
    let healedAt = 0;
    try {
      await eventually(async () => (await Promise.all(cluster().nodes.map((node) => node.readyz(500)))).every((status) => status === 503), {
        timeoutMs: 8_000,
        intervalMs: 50,
        what: 'every /readyz 503',
      });
      const unreadyMs = Date.now() - cutAt;
      // A send now gets the temporary error at once, through nginx as straight to a node.
      const probeStarted = Date.now();
      const probe = await fetch(`${cluster().url}/rooms/${room}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'probe during the outage', cid: 'outage-probe' }),
        signal: AbortSignal.timeout(6_000),
      });
      const probeMs = Date.now() - probeStarted;
      const probeBody = (await probe.json()) as { error?: { code?: string } };
      const acksBeforeHeal = () => run.acks.filter((ack) => ack.epoch !== '').length;
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, cutAt + OUTAGE_MS - Date.now())));
      const ackedDuringOutage = acksBeforeHeal();
      expect(cluster().unexpectedExits()).toEqual([]);

      for (const link of links) cluster().faults.heal(link);
      healedAt = Date.now();
      await Promise.all(cluster().nodes.map((node) => node.waitReady(15_000)));
      const readyMs = Date.now() - healedAt;
      for (const client of ws) await eventually(() => client.joined && !client.resuming, { timeoutMs: 20_000, what: `${client.nick} to resume: ${client.describe()}` });
      const resumedMs = Date.now() - healedAt;

      await run.done;
      const everyone = [...ws, ...sse];
      await Promise.all(everyone.map((client) => client.log.waitFor(() => client.log.hasAll(run.acks), `${client.nick} to have all ${run.acks.length} acked messages`, 20_000)));
      const delivery = sumReports(everyone.map((client) => checkDelivery(client.log.messages, run.acks)));
      const retried = ws.reduce((sum, client) => sum + client.unavailable.filter((entry) => entry.startsWith('send')).length, 0);

      reportFigures('redis-outage', {
        outageMs: OUTAGE_MS,
        unreadyAfterCutMs: unreadyMs,
        sendDuringOutage: { status: probe.status, code: probeBody.error?.code, ms: probeMs },
        wsSendsAnsweredUnavailable: retried,
        ackedBeforeHeal: ackedDuringOutage,
        readyAfterHealMs: readyMs,
        wsResumedAfterHealMs: resumedMs,
        reconnects: summarize(ws.flatMap((client) => client.reconnects.map((reconnect) => reconnect.ms))),
        messages: run.acks.length,
        ...delivery,
      });
      expect(unreadyMs).toBeLessThan(5_000);
      expect(probe.status).toBe(503);
      expect(probeBody.error?.code).toBe('unavailable');
      expect(probeMs).toBeLessThan(3_000);
      expect(run.acks).toHaveLength(count);
      expect(delivery).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, gaps: 0 });
      expect(conflictingAcks(run.acks)).toBe(0);
      expect(cluster().unexpectedExits()).toEqual([]);
    } finally {
      if (healedAt === 0) for (const link of links) cluster().faults.heal(link);
    }
  });
});
