import type { ClientSpec } from '../gen/messages.js';
import type { ServerUnderTest } from '../servers/types.js';
import { summarize } from '../stats/histogram.js';
import { openFileLimits, reachableOpenFiles } from '../util/open-files.js';
import { totalCpuSeconds, totalRssBytes } from '../util/proc-stats.js';
import { sleep } from '../util/wait.js';
import { emptyRow, type Row } from './types.js';
import type { Layout } from './layout.js';
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

const CLIENTS_PER_GENERATOR = 8000;
/**
 * Ephemeral ports per (source, destination) pair are ~28k here (32768–60999), but a client bound
 * to a source address cannot take a port still in TIME_WAIT from an earlier run, and the port
 * search slows as the range fills: a few thousand per address keeps connecting fast.
 */
const CLIENTS_PER_SOURCE_ADDRESS = 5000;
/** File descriptors the gateway needs besides its client sockets (Redis, listeners, files). */
const FD_HEADROOM = 500;
const DEFAULT_HEARTBEAT_MS = 30_000;
const DRAIN_MAX_MS = 60_000;

/**
 * Idle connections from several 127.0.0.x source addresses (5,000 each), one generator per 8,000; each client
 * knows its room (joined later) and the first member of each room is its sender.
 */
function scaleLayout(server: ServerUnderTest, count: number, roomSize: number): Layout {
  const generators = Math.max(2, Math.ceil(count / CLIENTS_PER_GENERATOR));
  const layout: ClientSpec[][] = Array.from({ length: generators }, () => []);
  const url = server.urls[0] ?? '';
  for (let i = 0; i < count; i++) {
    // A room's members share a generator, so its send and receive times share a clock.
    const room = Math.floor(i / roomSize);
    const generator = Math.floor((i * generators) / count);
    const localAddress = `127.0.0.${2 + (Math.floor(i / CLIENTS_PER_SOURCE_ADDRESS) % 250)}`;
    layout[generator]?.push({ url, protocol: server.protocol, room: `scale-${room}`, sender: i % roomSize === 0, slow: false, idle: true, localAddress });
  }
  return layout;
}

/**
 * The gateway's `chat_broker_reconnects_total`: each follows a lost Redis link, so a Redis
 * watchdog that took the busy node for a cut one shows here (undefined when unreadable).
 */
async function brokerReconnects(server: ServerUnderTest): Promise<number | undefined> {
  try {
    const response = await fetch(`${server.httpUrls[0] ?? ''}/metrics`, { signal: AbortSignal.timeout(10_000) });
    const found = /^chat_broker_reconnects_total (\d+)/m.exec(await response.text());
    return found ? Number(found[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** CPU seconds of the server processes over `ms`. */
async function cpuOver(pids: readonly number[], ms: number): Promise<number> {
  const before = totalCpuSeconds(pids);
  await sleep(ms);
  return totalCpuSeconds(pids) - before;
}

/**
 * `--scenario scale`: N idle WebSockets on ONE gateway. Reports RSS and heap per connection, the
 * gateway's CPU per idle connection-hour (heartbeats included), then every client joins a room of
 * `roomSize` and each room gets one message at the same moment: the time until all N have it and
 * the p99 of the deliveries.
 */
export async function scaleScenario(server: ServerUnderTest, options: ScaleOptions, log: (line: string) => void): Promise<Row> {
  const limits = openFileLimits();
  const reachable = reachableOpenFiles(options.connections + 1000);
  const count = Math.min(options.connections, reachable - FD_HEADROOM);
  const capped =
    count < options.connections
      ? `capped at ${count}: RLIMIT_NOFILE hard limit ${limits.hard} per process and no CAP_SYS_RESOURCE to raise it (the gateway and each generator are limited alike)`
      : '';
  if (capped) log(`  scale: ${capped}`);
  const layout = scaleLayout(server, count, options.roomSize);
  const nodePids = server.nodePids();
  return withPool(layout.length, async (pool) => {
    await sleep(options.settleMs);
    const reconnectsBefore = await brokerReconnects(server);
    const rssBefore = totalRssBytes(nodePids);
    const heapBefore = await server.heapUsedBytes();
    const baselineCpu = await cpuOver(nodePids, options.idleMs);

    const openStarted = Date.now();
    const opened = await pool.open(layout, 100);
    const openMs = Date.now() - openStarted;
    log(`  scale: ${opened.ok}/${count} open in ${openMs} ms${opened.failed ? `, ${opened.failed} failed: ${opened.firstErrors[0] ?? ''}` : ''}; closed by the server so far: ${JSON.stringify((await pool.counts()).closes)}`);
    await sleep(options.settleMs);
    // Connections the server closed (a pong that came too late on a loaded machine) do not count.
    const closedBy = async (): Promise<number> => Object.values((await pool.counts()).closes).reduce((sum, count) => sum + count, 0);
    const n = Math.max(1, opened.ok - (await closedBy()));
    const rssIdle = totalRssBytes(nodePids);
    const heapIdle = await server.heapUsedBytes();
    const kbIdle = (rssIdle - rssBefore) / n / 1024;
    const heapKb = heapIdle !== undefined && heapBefore !== undefined ? (heapIdle - heapBefore) / n / 1024 : undefined;

    const idleCpu = await cpuOver(nodePids, options.idleMs);
    const closedWhileIdle = (await closedBy()) - (opened.ok - n);
    if (closedWhileIdle > 0) log(`  scale: ${closedWhileIdle} connections closed by the server during the idle window`);
    const pings = (n * options.idleMs) / options.heartbeatMs;
    const cpuPerPingUs = (Math.max(0, idleCpu - baselineCpu) / pings) * 1e6;
    // At the default 30 s interval an idle connection gets 120 pings an hour.
    const cpuMsPerConnHour = (cpuPerPingUs / 1000) * ((3600 * 1000) / DEFAULT_HEARTBEAT_MS);
    log(
      `  scale idle: ${kbIdle.toFixed(2)} KB RSS/conn, heap ${heapKb?.toFixed(2) ?? 'n/a'} KB/conn; idle CPU ${idleCpu.toFixed(2)} s over ${options.idleMs / 1000} s ` +
        `(baseline ${baselineCpu.toFixed(2)} s) = ${cpuPerPingUs.toFixed(1)} µs per ping → ${cpuMsPerConnHour.toFixed(2)} CPU-ms per idle connection-hour at ${DEFAULT_HEARTBEAT_MS / 1000} s`,
    );

    const joinStarted = Date.now();
    const joined = await pool.join(100);
    const joinMs = Date.now() - joinStarted;
    const quietAfterMs = await waitForQuiet(server, 60_000);
    const rssJoined = totalRssBytes(nodePids);
    const kbJoined = (rssJoined - rssBefore) / n / 1024;
    log(`  scale: ${joined.ok} joined rooms of ${options.roomSize} in ${joinMs} ms (quiet after ${quietAfterMs} ms): ${kbJoined.toFixed(2)} KB RSS/conn joined`);

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
    const reconnectsAfter = await brokerReconnects(server);
    const watchdogTrips = reconnectsBefore !== undefined && reconnectsAfter !== undefined ? reconnectsAfter - reconnectsBefore : undefined;
    log(`  scale: Redis link lost and reconnected (watchdog trips) during the run: ${watchdogTrips ?? 'unknown'}`);
    histogram.destroy();
    log(
      `  scale broadcast: closes by code so far ${JSON.stringify(counts.closes)}; ${sent} rooms × ${options.roomSize}: ${counts.received}/${expected} delivered; all within ${latency.max} ms ` +
        `(harness saw it at ${allMs} ms), p50 ${latency.p50} ms p99 ${latency.p99} ms; ${broadcastCpu.toFixed(2)} CPU-s`,
    );
    const notes = [
      capped,
      `${n} connections on one gateway`,
      `heap ${heapKb?.toFixed(2) ?? 'n/a'} KB/conn, ${kbJoined.toFixed(2)} KB RSS/conn joined`,
      `${cpuMsPerConnHour.toFixed(2)} CPU-ms/idle conn-hour (30 s heartbeat)`,
      `broadcast to all: ${latency.max} ms until all, p99 ${latency.p99} ms`,
      counts.received < expected ? `only ${counts.received}/${expected} delivered` : '',
      `Redis watchdog trips at its defaults: ${watchdogTrips ?? 'unknown'}`,
    ];
    return {
      ...emptyRow('scale', server.kind),
      kbPerConnection: kbIdle,
      p50: latency.p50,
      p99: latency.p99,
      note: notes.filter(Boolean).join('; '),
      detail: {
        options,
        openFileLimits: limits,
        attempted: count,
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
        kbRssPerJoinedConnection: kbJoined,
        heapKbPerIdleConnection: heapKb ?? null,
        baselineCpuSeconds: baselineCpu,
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
        broadcastRooms: sent,
        broadcastExpected: expected,
        broadcastReceived: counts.received,
        broadcastAllMs: latency.max,
        broadcastHarnessMs: allMs,
        broadcastLatency: latency,
        broadcastCpuSeconds: broadcastCpu,
        violations: counts.violations,
        brokerReconnects: watchdogTrips ?? null,
        closes: counts.closes,
      },
    };
  });
}
