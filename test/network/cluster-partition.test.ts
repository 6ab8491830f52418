import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RoamingClient, checkDelivery, conflictingAcks, eventually, freePort, postMessage, requireProgram, startRedisCluster, startSteadySender, sumReports, type Ack, type LocalRedisCluster } from '@chat/testkit';
import { GatewayNode } from '../../scripts/cluster/gateway-node.js';
import { NginxProxy } from '../../scripts/cluster/nginx-proxy.js';
import { reportFigures, summarize } from '../e2e/support/cluster-fixture.js';
import { LinkFaults, removeLeftoverRules, requireIptables } from './support/link-faults.js';
import { netEnv, redisAliasOf } from './support/net-cluster.js';

/**
 * A Redis Cluster, two gateways and nginx. Every cluster node also listens on gateway-1's alias,
 * and gateway-1 reaches the nodes there (REDIS_NAT_MAP), so one iptables rule on the
 * alias and one master's port cuts exactly gateway-1 from that shard; gateway-2 keeps it.
 */
const CUT_GATEWAY_ALIAS = redisAliasOf(1);
const faults = new LinkFaults();
let redis: LocalRedisCluster;
let nodes: GatewayNode[] = [];
let nginx: NginxProxy;
let tempDir: string;
const clients: RoamingClient[] = [];
const healOnExit = (): void => faults.healAll();

beforeAll(async () => {
  requireIptables();
  requireProgram('nginx');
  removeLeftoverRules();
  process.once('exit', healOnExit);
  tempDir = await mkdtemp(join(tmpdir(), 'chat-net-cluster-'));
  redis = await startRedisCluster({ alsoBind: [CUT_GATEWAY_ALIAS] });
  const ports = redis.nodes.map((node) => node.port);
  const viaAlias = {
    REDIS_CLUSTER_NODES: ports.map((port) => `${CUT_GATEWAY_ALIAS}:${port}`).join(','),
    REDIS_NAT_MAP: ports.map((port) => `127.0.0.1:${port}=${CUT_GATEWAY_ALIAS}:${port}`).join(','),
  };
  const direct = { REDIS_CLUSTER_NODES: ports.map((port) => `127.0.0.1:${port}`).join(',') };
  for (const [index, redisEnv] of [viaAlias, direct].entries()) {
    const port = await freePort();
    const env: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_ID: `gateway-${index + 1}`, ...netEnv, ...redisEnv };
    delete env.NODE_OPTIONS;
    nodes.push(new GatewayNode({ id: `gateway-${index + 1}`, port, env }));
  }
  await Promise.all(nodes.map((node) => node.start()));
  nginx = new NginxProxy(join(tempDir, 'nginx'), await freePort(), nodes.map((node) => ({ host: '127.0.0.1', port: node.port })));
  await nginx.start();
}, 90_000);

afterEach((context) => {
  if (context.task.result?.state === 'fail') console.error([...nodes.map((node) => node.process.report()), nginx?.managed?.report() ?? ''].join('\n'));
});

afterAll(async () => {
  faults.healAll();
  process.off('exit', healOnExit);
  for (const client of clients) client.close();
  await nginx?.stop();
  await Promise.all(nodes.map((node) => node.stop()));
  nodes = [];
  await redis?.stop();
  if (tempDir) await rm(tempDir, { recursive: true, force: true });
});

describe('a gateway cut from one Redis Cluster shard while its clients still reach it', () => {
  it('turns unready within seconds, answers sends unavailable, moves its clients, loses nothing, and is ready again by itself after the heal', async () => {
    const room = 'shard-cut';
    const shard = await redis.masterOf(`{${room}}`);
    const [cutNode, otherNode] = nodes;
    if (!cutNode || !otherNode) throw new Error('two gateways expected');
    const wsUrl = nginx.url.replace(/^http/, 'ws');
    const ws = Array.from({ length: 8 }, (_, i) => new RoamingClient(wsUrl, `c-ws-${i}`, [room], { livenessMs: 4_000 }));
    clients.push(...ws);
    for (const client of ws) await client.connect();
    const onCut = ws.filter((client) => client.node === cutNode.id);
    expect(onCut.length).toBeGreaterThan(0);

    const run = startSteadySender(60, 15, (index) => {
      const text = `${room}-${index}`;
      if (index % 3 === 0) return postMessage(nginx.url, room, { text, nick: 'poster', cid: text }, 30_000);
      const sender = ws[index % ws.length];
      if (!sender) throw new Error('no sender');
      return sender.send(room, text, text);
    });
    await eventually(() => run.acks.length >= 10, { timeoutMs: 10_000, what: 'traffic before the cut' });

    const cutAt = Date.now();
    const linkId = faults.cut({ host: CUT_GATEWAY_ALIAS, port: shard });
    try {
      await eventually(async () => (await cutNode.readyz(500)) === 503, { timeoutMs: 8_000, intervalMs: 50, what: `${cutNode.id} /readyz 503` });
      const unreadyMs = Date.now() - cutAt;
      const postStarted = Date.now();
      const direct = await fetch(`${cutNode.url}/rooms/${room}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: 'to the cut gateway', cid: 'shard-cut-direct' }),
        signal: AbortSignal.timeout(6_000),
      });
      const directPostMs = Date.now() - postStarted;
      const directBody = (await direct.json()) as { error?: { code?: string } };

      for (const client of onCut) await eventually(() => client.joined && client.node === otherNode.id && !client.resuming, { timeoutMs: 15_000, what: `${client.nick} to resume elsewhere: ${client.describe()}` });
      const allMovedMs = Date.now() - cutAt;
      const moveCloses = onCut.flatMap((client) => client.closes.filter((close) => close.node === cutNode.id && close.at >= cutAt));

      await run.done;
      await Promise.all(ws.map((client) => client.log.waitFor(() => client.log.hasAll(run.acks), `${client.nick} to have all ${run.acks.length} acked messages`, 20_000)));
      const delivery = sumReports(ws.map((client) => checkDelivery(client.log.messages, run.acks)));

      faults.heal(linkId);
      const healedAt = Date.now();
      await cutNode.waitReady(15_000);
      const readyAgainMs = Date.now() - healedAt;
      const back = new RoamingClient(cutNode.url.replace(/^http/, 'ws'), 'c-back', [room]);
      clients.push(back);
      await back.connect();
      const ack: Ack = await back.send(room, 'after the heal', 'shard-after-heal');
      await ws[0]?.log.waitFor(() => ws[0]?.log.hasAll([ack]) ?? false, 'the message sent on the healed gateway');

      reportFigures('cluster-shard-partition', {
        node: cutNode.id,
        shard,
        clientsMoved: onCut.length,
        unreadyAfterCutMs: unreadyMs,
        directPost: { status: direct.status, code: directBody.error?.code, ms: directPostMs },
        moveCloseCodes: [...new Set(moveCloses.map((close) => close.code))],
        allMovedAfterCutMs: allMovedMs,
        reconnects: summarize(onCut.flatMap((client) => client.reconnects.map((reconnect) => reconnect.ms))),
        readyAgainAfterHealMs: readyAgainMs,
        messages: run.acks.length,
        ...delivery,
      });
      expect(unreadyMs).toBeLessThan(5_000);
      expect(direct.status).toBe(503);
      expect(directBody.error?.code).toBe('unavailable');
      expect(directPostMs).toBeLessThan(3_000);
      expect(new Set(moveCloses.map((close) => close.code))).toEqual(new Set([1012]));
      expect(delivery).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, gaps: 0 });
      expect(conflictingAcks(run.acks)).toBe(0);
      expect(readyAgainMs).toBeLessThan(10_000);
      for (const node of nodes) expect(node.process.unexpectedExits).toEqual([]);
    } finally {
      faults.healAll();
    }
  }, 90_000);
});
