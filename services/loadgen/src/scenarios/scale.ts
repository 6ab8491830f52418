import { RedisStatsReader } from '../checks/redis-commandstats.js';
import type { ServerUnderTest } from '../servers/types.js';
import { summarize } from '../stats/histogram.js';
import { openFileLimits, reachableOpenFiles } from '../util/open-files.js';
import { rssBytes, totalCpuSeconds, totalRssBytes } from '../util/proc-stats.js';
import { sleep } from '../util/wait.js';
import { emptyRow, type Row } from './types.js';
import { idleRoomsLayout } from './layout.js';
import { measureIdleWindow } from './idle-window.js';
import { withPool } from './with-pool.js';
import { waitForQuiet } from './quiet.js';

/** Sizes of the scale scenario. */
export interface ScaleOptions {
  readonly connections: number;
  /** The broadcast goes to every connection as one message per room of this size. */
  readonly roomSize: number;
  /** The gateway's WS_HEARTBEAT_MS for this run (short, so the idle window holds several rounds). */
  readonly heartbeatMs: number;
  readonly idleMs: number;
  readonly settleMs: number;
}

/** File descriptors a gateway needs besides its client sockets (Redis, listeners, stdio, epoll). */
const FD_HEADROOM = 200;
const DEFAULT_HEARTBEAT_MS = 30_000;
const DRAIN_MAX_MS = 60_000;

/** CPU seconds of the server processes over `ms`. */
async function cpuOver(pids: readonly number[], ms: number): Promise<number> {
  const before = totalCpuSeconds(pids);
  await sleep(ms);
  return totalCpuSeconds(pids) - before;
}

/** How many connections fit: each gateway (and generator) is held to the open-file limit it can reach. */
function plannedConnections(options: ScaleOptions, gateways: number): { count: number; capped: string } {
  const limits = openFileLimits();
  const perGateway = reachableOpenFiles(Math.ceil(options.connections / gateways) + FD_HEADROOM) - FD_HEADROOM;
  const count = Math.min(options.connections, perGateway * gateways);
  const capped =
    count < options.connections
      ? `capped at ${count} (${perGateway} per gateway): RLIMIT_NOFILE hard limit ${limits.hard} per process and no CAP_SYS_RESOURCE to raise it`
      : '';
  return { count, capped };
}

/**
 * The gateways' `chat_broker_reconnects_total`, summed: each follows a lost Redis link, so a Redis
 * watchdog that took a busy node for a cut one shows here (undefined when unreadable).
 */
async function brokerReconnects(server: ServerUnderTest): Promise<number | undefined> {
  try {
    const counts = await Promise.all(
      server.httpUrls.map(async (url) => {
        const response = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
        // Every sample carries the node's default label: `chat_broker_reconnects_total{node="…"} 0`.
        const found = /^chat_broker_reconnects_total(?:\{[^}]*\})? (\d+)/m.exec(await response.text());
        if (!found) throw new Error('no chat_broker_reconnects_total');
        return Number(found[1]);
      }),
    );
    return counts.reduce((sum, count) => sum + count, 0);
  } catch {
    return undefined;
  }
}

/** KB of RSS growth per connection of each node, between two readings. */
function kbPerNode(nodePids: readonly number[], before: ReadonlyMap<number, number>, perNode: number): number[] {
  return nodePids.map((pid) => Math.round(((rssBytes(pid) - (before.get(pid) ?? 0)) / Math.max(1, perNode) / 1024) * 100) / 100);
}

/**
 * `--scenario scale [--gateways N]`: idle WebSockets spread over N gateways. Reports RSS and heap
 * per connection (per node too), the gateways' CPU per idle connection-hour (heartbeats), then
 * every client joins a room of `roomSize` (a room spans every gateway): RSS per joined connection,
 * the nodes' and Redis's idle CPU and Redis commands/s while joined, and each room gets one
 * message at the same moment: the time until every connection has it and the p99.
 */
export async function scaleScenario(server: ServerUnderTest, options: ScaleOptions, log: (line: string) => void): Promise<Row> {
  const gateways = server.urls.length;
  const { count, capped } = plannedConnections(options, gateways);
  if (capped) log(`  scale: ${capped}`);
  const layout = idleRoomsLayout(server, count, options.roomSize, 'scale-');
  const nodePids = server.nodePids();
  const perNode = count / gateways;
  const redis = RedisStatsReader.open(server.redisPort);
  try {
    return await withPool(layout.length, async (pool) => {
      await sleep(options.settleMs);
      const rssBefore = totalRssBytes(nodePids);
      const rssBeforeByNode = new Map(nodePids.map((pid) => [pid, rssBytes(pid)]));
      const heapBefore = await server.heapUsedBytes();
      const baseline = await measureIdleWindow(server, redis, options.idleMs);
      const reconnectsBefore = await brokerReconnects(server);

      const openStarted = Date.now();
      const opened = await pool.open(layout, 100);
      const openMs = Date.now() - openStarted;
      log(`  scale: ${opened.ok}/${count} open on ${gateways} gateway(s) in ${openMs} ms${opened.failed ? `, ${opened.failed} failed: ${opened.firstErrors[0] ?? ''}` : ''}`);
      await sleep(options.settleMs);
      // Connections the server closed (a pong that came too late on a loaded machine) do not count.
      const closedBy = async (): Promise<number> => Object.values((await pool.counts()).closes).reduce((sum, closes) => sum + closes, 0);
      const n = Math.max(1, opened.ok - (await closedBy()));
      const rssIdle = totalRssBytes(nodePids);
      const kbIdleByNode = kbPerNode(nodePids, rssBeforeByNode, n / gateways);
      const heapIdle = await server.heapUsedBytes();
      const kbIdle = (rssIdle - rssBefore) / n / 1024;
      const heapKb = heapIdle !== undefined && heapBefore !== undefined ? (heapIdle - heapBefore) / n / 1024 : undefined;

      const idleCpu = await cpuOver(nodePids, options.idleMs);
      const baselineCpu = (baseline.nodeCores * options.idleMs) / 1000;
      const pings = (n * options.idleMs) / options.heartbeatMs;
      const cpuPerPingUs = (Math.max(0, idleCpu - baselineCpu) / pings) * 1e6;
      // At the default 30 s interval an idle connection gets 120 pings an hour.
      const cpuMsPerConnHour = (cpuPerPingUs / 1000) * ((3600 * 1000) / DEFAULT_HEARTBEAT_MS);
      log(
        `  scale idle: ${kbIdle.toFixed(2)} KB RSS/conn (per node ${kbIdleByNode.join(', ')}), heap ${heapKb?.toFixed(2) ?? 'n/a'} KB/conn; idle CPU ${idleCpu.toFixed(2)} s over ${options.idleMs / 1000} s ` +
          `(baseline ${baselineCpu.toFixed(2)} s) = ${cpuPerPingUs.toFixed(1)} µs per ping → ${cpuMsPerConnHour.toFixed(2)} CPU-ms per idle connection-hour at ${DEFAULT_HEARTBEAT_MS / 1000} s`,
      );

      const joinStarted = Date.now();
      const joined = await pool.join(100);
      const joinMs = Date.now() - joinStarted;
      const quietAfterMs = await waitForQuiet(server, 120_000);
      const rssJoined = totalRssBytes(nodePids);
      const kbJoined = (rssJoined - rssBefore) / n / 1024;
      const kbJoinedByNode = kbPerNode(nodePids, rssBeforeByNode, n / gateways);
      const heapJoined = await server.heapUsedBytes();
      const heapJoinedKb = heapJoined !== undefined && heapBefore !== undefined ? (heapJoined - heapBefore) / n / 1024 : undefined;
      log(
        `  scale: ${joined.ok} joined rooms of ${options.roomSize} in ${joinMs} ms (quiet after ${quietAfterMs} ms): ${kbJoined.toFixed(2)} KB RSS/conn joined (per node ${kbJoinedByNode.join(', ')}), heap ${heapJoinedKb?.toFixed(2) ?? 'n/a'} KB/conn`,
      );
      const joinedIdle = await measureIdleWindow(server, redis, options.idleMs);
      // RSS once the join storm's garbage had an idle window to be collected and returned.
      const kbJoinedAfterIdle = (totalRssBytes(nodePids) - rssBefore) / n / 1024;
      const nodeIdleCores = joinedIdle.nodeCores - baseline.nodeCores;
      log(
        `  scale joined idle: ${kbJoinedAfterIdle.toFixed(2)} KB RSS/conn after the window; nodes ${joinedIdle.nodeCores.toFixed(3)} cores (${((nodeIdleCores / Math.max(1, joined.ok)) * 1e6).toFixed(2)} µs/s per member over the empty-node baseline), ` +
          `Redis ${joinedIdle.redisCores.toFixed(3)} cores, ${Math.round(joinedIdle.redisCommandsPerSec)} commands/s (${Math.round(joinedIdle.redisScriptsPerSec)} scripts/s)`,
      );

      await pool.report();
      const cpuBefore = totalCpuSeconds(server.pids());
      const started = Date.now();
      const sent = await pool.burst();
      const expected = sent * options.roomSize;
      while (Date.now() - started < DRAIN_MAX_MS) {
        if ((await pool.counts()).received >= expected) break;
        await sleep(20);
      }
      const allMs = Date.now() - started;
      const broadcastCpu = totalCpuSeconds(server.pids()) - cpuBefore;
      const { counts, histogram } = await pool.report();
      const latency = summarize(histogram);
      histogram.destroy();
      const reconnectsAfter = await brokerReconnects(server);
      const watchdogTrips = reconnectsBefore !== undefined && reconnectsAfter !== undefined ? reconnectsAfter - reconnectsBefore : undefined;
      log(`  scale: Redis link lost and reconnected (watchdog trips) during the run: ${watchdogTrips ?? 'unknown'}`);
      log(
        `  scale broadcast: ${sent} rooms × ${options.roomSize}: ${counts.received}/${expected} delivered; all within ${latency.max} ms ` +
          `(harness saw it at ${allMs} ms), p50 ${latency.p50} ms p99 ${latency.p99} ms; ${broadcastCpu.toFixed(2)} CPU-s; closes by code so far ${JSON.stringify(counts.closes)}`,
      );
      const notes = [
        capped,
        `${n} connections on ${gateways} gateway(s)`,
        `heap ${heapKb?.toFixed(2) ?? 'n/a'} KB/conn, ${kbJoined.toFixed(2)} KB RSS/conn joined`,
        `${cpuMsPerConnHour.toFixed(2)} CPU-ms/idle conn-hour (30 s heartbeat)`,
        `joined idle: Redis ${Math.round(joinedIdle.redisCommandsPerSec)} commands/s, ${joinedIdle.redisCores.toFixed(3)} cores; nodes ${joinedIdle.nodeCores.toFixed(3)} cores`,
        `broadcast to all: ${latency.max} ms until all, p99 ${latency.p99} ms`,
        counts.received < expected ? `only ${counts.received}/${expected} delivered` : '',
        `Redis watchdog trips at its defaults: ${watchdogTrips ?? 'unknown'}`,
      ];
      return {
        ...emptyRow(gateways > 1 ? `scale ${gateways} gateways` : 'scale', server.kind),
        kbPerConnection: kbIdle,
        p50: latency.p50,
        p99: latency.p99,
        note: notes.filter(Boolean).join('; '),
        detail: {
          options,
          gateways,
          openFileLimits: openFileLimits(),
          attempted: count,
          perNode,
          opened: opened.ok,
          liveAfterOpen: n,
          openFailed: opened.failed,
          openErrors: opened.firstErrors,
          openMs,
          sourceAddresses: [...new Set(layout.flat().map((spec) => spec.localAddress))],
          generators: layout.length,
          rssBeforeBytes: rssBefore,
          rssIdleBytes: rssIdle,
          rssJoinedBytes: rssJoined,
          kbRssPerIdleConnection: kbIdle,
          kbRssPerIdleConnectionByNode: kbIdleByNode,
          kbRssPerJoinedConnection: kbJoined,
          kbRssPerJoinedConnectionByNode: kbJoinedByNode,
          kbRssPerJoinedConnectionAfterIdle: kbJoinedAfterIdle,
          heapKbPerJoinedConnection: heapJoinedKb ?? null,
          heapKbPerIdleConnection: heapKb ?? null,
          baselineIdle: baseline,
          idleCpuSeconds: idleCpu,
          idleWindowMs: options.idleMs,
          heartbeatMs: options.heartbeatMs,
          cpuMicrosPerPing: cpuPerPingUs,
          cpuMsPerIdleConnectionHourAt30s: cpuMsPerConnHour,
          joined: joined.ok,
          joinFailed: joined.failed,
          joinErrors: joined.firstErrors,
          joinMs,
          quietAfterJoinMs: quietAfterMs,
          joinedIdle,
          nodeIdleMicrosPerMemberPerSecond: (nodeIdleCores / Math.max(1, joined.ok)) * 1e6,
          broadcastRooms: sent,
          broadcastExpected: expected,
          broadcastReceived: counts.received,
          broadcastAllMs: latency.max,
          broadcastHarnessMs: allMs,
          broadcastLatency: latency,
          broadcastCpuSeconds: broadcastCpu,
          violations: counts.violations,
          closes: counts.closes,
          brokerReconnects: watchdogTrips ?? null,
        },
      };
    });
  } finally {
    redis?.close();
  }
}
