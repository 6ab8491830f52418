import { afterAll, describe, expect, it } from 'vitest';
import type { LocalCluster } from '../../scripts/cluster/local-cluster.js';
import { eventually, postMessage } from '@chat/testkit';
import { reportFigures, summarize, useCluster } from './support/cluster-fixture.js';
import { connectReceivers, startMixedSender, verifyEveryoneGotEverything, type Receivers } from './support/fault-scenario.js';
import { ChatPeer } from './support/chat-peer.js';

const cluster = useCluster({ gateways: 3 });
const cleanups: Array<() => void> = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

function redisOf(running: LocalCluster) {
  if (!running.redis) throw new Error('this cluster runs without Redis');
  return running.redis;
}

/** Resolves with the time it took until every running gateway's own /readyz answers `status`. */
async function allReadyz(running: LocalCluster, status: number, since: number, timeoutMs: number): Promise<number> {
  return eventually(
    async () => {
      const statuses = await Promise.all(running.nodes.filter((node) => node.running).map((node) => node.readyz(500)));
      return statuses.every((answer) => answer === status) && Date.now() - since;
    },
    { timeoutMs, intervalMs: 25, what: `every node's /readyz to answer ${status}` },
  );
}

describe('Redis killed and restarted empty', () => {
  it('turns every readyz 503, crashes nothing, recovers by itself, reports the epoch change, and new messages flow', async () => {
    const room = 'redis-restart';
    const receivers: Receivers = await connectReceivers(cluster(), room, { ws: 4, sse: 2 });
    cleanups.push(() => receivers.close());
    const before = startMixedSender(cluster(), receivers, room, 12, 50);
    await before.done;
    await verifyEveryoneGotEverything(receivers, before.acks);
    const oldEpoch = before.acks[0]?.epoch;

    const killedAt = Date.now();
    await redisOf(cluster()).kill();
    const unreadyMs = await allReadyz(cluster(), 503, killedAt, 10_000);
    const outage = await fetch(`${cluster().url}/rooms/${room}/messages`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'during the outage', cid: 'outage-1' }),
    });
    const outageBody: unknown = await outage.json();
    expect(cluster().unexpectedExits()).toEqual([]);

    const restartedAt = Date.now();
    await redisOf(cluster()).start();
    const readyMs = await allReadyz(cluster(), 200, restartedAt, 15_000);
    // Every client learns that history restarted: a `joined` in a new epoch with recovered:false.
    const toldMs = await Promise.all(
      receivers.all().map(async (client) => {
        await client.log.waitFor(
          () => client.log.joins.some((joined) => joined.epoch !== oldEpoch && !joined.recovered && joined.at >= restartedAt),
          `${client.nick} to be told of the new epoch`,
        );
        const told = client.log.joins.find((joined) => joined.epoch !== oldEpoch && !joined.recovered && joined.at >= restartedAt);
        return (told?.at ?? restartedAt) - restartedAt;
      }),
    );

    const after = startMixedSender(cluster(), receivers, room, 12, 50);
    await after.done;
    const delivery = await verifyEveryoneGotEverything(receivers, after.acks);
    const newEpochs = new Set(after.acks.map((ack) => ack.epoch));

    reportFigures('redis-restart', {
      unreadyAfterKillMs: unreadyMs,
      postDuringOutage: outage.status,
      readyAfterRestartMs: readyMs,
      clientsToldOfNewEpoch: summarize(toldMs),
      messagesAfter: after.acks.length,
      ...delivery,
    });
    expect(unreadyMs).toBeLessThan(3_000);
    expect(outage.status).toBe(503);
    expect(outageBody).toMatchObject({ error: { code: expect.any(String) as unknown } });
    expect([...newEpochs]).toHaveLength(1);
    expect(newEpochs.has(oldEpoch ?? '')).toBe(false);
    expect(after.acks.map((ack) => ack.offset).sort((a, b) => a - b)).toEqual(Array.from({ length: 12 }, (_, i) => i + 1));
    expect(delivery).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, gaps: 0, conflictingAcks: 0 });
    expect(cluster().unexpectedExits()).toEqual([]);
  });

  it('a gateway started while Redis is down stays up, answers readyz 503, and becomes ready when Redis comes', async () => {
    const redis = redisOf(cluster());
    const late = cluster().nodes[2];
    if (!late) throw new Error('no third node');
    await redis.kill();
    await late.kill('SIGKILL');
    await late.start({ waitReady: false });
    await eventually(async () => (await late.readyz(500)) === 503, { timeoutMs: 10_000, what: `${late.id} to answer /readyz 503 without Redis` });
    expect(late.running).toBe(true);

    const restartedAt = Date.now();
    await redis.start();
    await late.waitReady(15_000);
    const readyMs = Date.now() - restartedAt;
    await allReadyz(cluster(), 200, restartedAt, 15_000);

    // It serves the room like the others: a message posted to it reaches a client elsewhere.
    const listener = new ChatPeer({ url: cluster().url, nick: 'late-listener', rooms: ['redis-late'], transport: 'websocket' });
    cleanups.push(() => listener.close());
    await listener.connect();
    const ack = await postMessage(late.url, 'redis-late', { text: 'from the late node', nick: 'late', cid: 'late-1' });
    await listener.log.waitFor(() => listener.log.hasAll([ack]), 'the late node message');

    reportFigures('gateway-started-without-redis', { node: late.id, readyAfterRedisMs: readyMs });
    expect(ack.node).toBe(late.id);
    expect(cluster().unexpectedExits()).toEqual([]);
  });
});
