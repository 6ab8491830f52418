import { afterAll, describe, expect, it } from 'vitest';
import { eventually, checkDelivery, conflictingAcks, sumReports, type Ack, startSteadySender, RoamingClient } from '@chat/testkit';
import { reportFigures } from '../e2e/support/cluster-fixture.js';
import { percentile, useNetCluster } from './support/net-fixture.js';

/** gateway-1's Redis link: 50 ms ± 20 ms each way (a relay) and 1 % of packets dropped (iptables). */
const BAD = { node: 1, profile: { delayMs: 50, jitterMs: 20 }, loss: 0.01 } as const;
const ROOMS = ['bad-a', 'bad-b', 'bad-c'];
const MESSAGES = 360;
const RATE = 30;

const cluster = useNetCluster({ gateways: 3, delayed: { node: BAD.node, profile: BAD.profile } });
const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

describe('a slow, lossy link between one gateway and Redis', () => {
  it('under steady traffic loses nothing and keeps every room in order; the p99 is reported', { timeout: 90_000 }, async () => {
    const wsUrl = cluster().url.replace(/^http/, 'ws');
    const clients = Array.from({ length: 12 }, (_, i) => new RoamingClient(wsUrl, `b-ws-${i}`, ROOMS, { livenessMs: 5_000 }));
    cleanups.push(() => clients.forEach((client) => client.close()));
    for (const client of clients) await client.connect();
    const badNode = `gateway-${BAD.node}`;
    expect(clients.some((client) => client.node === badNode)).toBe(true);

    const lossRule = cluster().faults.lossy(cluster().redisLink(BAD.node), BAD.loss);
    const sentAt = new Map<string, { at: number; node: string | undefined }>();
    const readiness: Array<number | undefined> = [];
    const watching = setInterval(() => void cluster().nodes[BAD.node - 1]?.readyz(1_000).then((status) => readiness.push(status)), 250);
    try {
      const run = startSteadySender(MESSAGES, RATE, (index) => {
        const sender = clients[index % clients.length];
        const room = ROOMS[index % ROOMS.length];
        if (!sender || !room) throw new Error('no sender');
        const cid = `${room}-${index}`;
        sentAt.set(cid, { at: Date.now(), node: sender.node });
        return sender.send(room, cid, cid);
      });
      await run.done;
      await Promise.all(clients.map((client) => client.log.waitFor(() => client.log.hasAll(run.acks), `${client.nick} to have all acked messages`, 30_000)));
      clearInterval(watching);

      const delivery = sumReports(clients.map((client) => checkDelivery(client.log.messages, run.acks)));
      const latencies = (filter: (client: RoamingClient, ack: Ack) => boolean): number[] =>
        clients.flatMap((client) =>
          run.acks.filter((ack) => filter(client, ack)).map((ack) => (client.arrivedAt.get(`${ack.room}|${ack.epoch}|${ack.offset}`) ?? Number.NaN) - (sentAt.get(ack.cid)?.at ?? Number.NaN)),
        );
      const viaBad = (client: RoamingClient, ack: Ack): boolean => client.node === badNode || sentAt.get(ack.cid)?.node === badNode;
      const touched = latencies(viaBad);
      const clean = latencies((client, ack) => !viaBad(client, ack));
      const delays = cluster().delayProxy?.delays ?? [];
      const packetsDropped = cluster().faults.dropped(lossRule);

      reportFigures('bad-link', {
        link: `${badNode}⇄redis: ${BAD.profile.delayMs}±${BAD.profile.jitterMs} ms each way, ${BAD.loss * 100}% loss`,
        relayChunks: delays.length,
        packetsDropped,
        messages: run.acks.length,
        deliveries: touched.length + clean.length,
        p50ViaBadLinkMs: percentile(touched, 50),
        p99ViaBadLinkMs: percentile(touched, 99),
        maxViaBadLinkMs: percentile(touched, 100),
        p99OtherMs: percentile(clean, 99),
        badNodeReadyzNot200: readiness.filter((status) => status !== 200).length,
        badNodeReadyzChecks: readiness.length,
        ...delivery,
      });
      expect(touched.every(Number.isFinite) && clean.every(Number.isFinite)).toBe(true);
      expect(touched.length).toBeGreaterThan(0);
      expect(packetsDropped).toBeGreaterThan(0);
      expect(delivery).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, gaps: 0 });
      expect(conflictingAcks(run.acks)).toBe(0);
      expect(cluster().unexpectedExits()).toEqual([]);
    } finally {
      clearInterval(watching);
      cluster().faults.heal(lossRule);
    }
    await eventually(async () => (await cluster().nodes[BAD.node - 1]?.readyz()) === 200, { what: `${badNode} ready` });
  });
});
