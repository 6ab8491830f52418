import { afterAll, describe, expect, it } from 'vitest';
import { eventually, checkDelivery, conflictingAcks, sumReports, postMessage, startSteadySender, RoamingClient } from '@chat/testkit';
import { reportFigures, summarize } from '../e2e/support/cluster-fixture.js';
import { useNetCluster } from './support/net-fixture.js';

const cluster = useNetCluster({ gateways: 3 });

async function presenceOn(nodeUrl: string, room: string): Promise<Array<{ nick: string; node: string }>> {
  const response = await fetch(`${nodeUrl}/rooms/${room}/presence`, { signal: AbortSignal.timeout(1_000) });
  const body = (await response.json()) as { members?: Array<{ nick: string; node: string }> };
  if (!Array.isArray(body.members)) throw new Error(`presence answered ${response.status}`);
  return body.members;
}
const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

describe('nginx cut off from one gateway', () => {
  it('its clients notice the silence and resume through the others with nothing lost; its presence entries go', async () => {
    const room = 'nginx-cut';
    const wsUrl = cluster().url.replace(/^http/, 'ws');
    // The gateways ping every second (WS_HEARTBEAT_MS); three silent seconds mean a dead link.
    const clients = Array.from({ length: 12 }, (_, i) => new RoamingClient(wsUrl, `n-ws-${i}`, [room], { livenessMs: 3_000 }));
    cleanups.push(() => clients.forEach((client) => client.close()));
    for (const client of clients) await client.connect();
    const cutIndex = 2;
    const cutNode = cluster().nodes[cutIndex - 1];
    if (!cutNode) throw new Error('no gateway-2');
    const onCut = clients.filter((client) => client.node === cutNode.id);
    expect(onCut.length).toBeGreaterThan(0);
    await eventually(async () => (await presenceOn(cluster().url, room)).filter((member) => member.node === cutNode.id).length === onCut.length, {
      what: `${onCut.length} members present on ${cutNode.id}`,
    });

    const run = startSteadySender(80, 20, (index) => {
      const text = `${room}-${index}`;
      if (index % 4 === 0) return postMessage(cluster().url, room, { text, nick: 'poster', cid: text }, 30_000);
      const sender = clients[index % clients.length];
      if (!sender) throw new Error('no sender');
      return sender.send(room, text, text);
    });
    await eventually(() => run.acks.length >= 10, { timeoutMs: 10_000, what: 'traffic before the cut' });

    const cutAt = Date.now();
    const linkId = cluster().faults.cut(cluster().nginxLink(cutIndex));
    try {
      // Read from a node nginx still reaches, so a request stuck on the cut one does not delay the reading.
      const healthy = cluster().nodes[0]?.url ?? '';
      const presenceGone = eventually(async () => (await presenceOn(healthy, room)).every((member) => member.node !== cutNode.id) && Date.now() - cutAt, {
        timeoutMs: 20_000,
        intervalMs: 100,
        what: `${cutNode.id}'s presence entries to go`,
      });
      for (const client of onCut) {
        await eventually(() => client.joined && !client.resuming && client.node !== cutNode.id, { timeoutMs: 20_000, what: `${client.nick} to resume elsewhere: ${client.describe()}` });
      }
      const allResumedMs = Date.now() - cutAt;
      const presenceGoneMs = await presenceGone;

      await run.done;
      await Promise.all(clients.map((client) => client.log.waitFor(() => client.log.hasAll(run.acks), `${client.nick} to have all acked messages`, 20_000)));
      const delivery = sumReports(clients.map((client) => checkDelivery(client.log.messages, run.acks)));
      const members = await presenceOn(cluster().url, room);

      reportFigures('nginx-partition', {
        node: cutNode.id,
        clientsOnCutNode: onCut.length,
        allResumedAfterCutMs: allResumedMs,
        reconnects: summarize(onCut.flatMap((client) => client.reconnects.map((reconnect) => reconnect.ms))),
        presenceGoneAfterCutMs: presenceGoneMs,
        messages: run.acks.length,
        ...delivery,
      });
      expect(onCut.every((client) => client.reconnects.length > 0)).toBe(true);
      expect(delivery).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, gaps: 0 });
      expect(conflictingAcks(run.acks)).toBe(0);
      // Everyone is present once, on a node nginx still reaches.
      expect(members.filter((member) => member.node === cutNode.id)).toEqual([]);
      expect(new Set(members.map((member) => member.nick))).toEqual(new Set(clients.map((client) => client.nick)));
      expect(cluster().unexpectedExits()).toEqual([]);
    } finally {
      cluster().faults.heal(linkId);
    }
  });
});
