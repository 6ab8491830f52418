/**
 * `npm run bench [-- --quick] [--servers=ours,socketio,ceiling] [--scenarios=idle,chat,broadcast,slow] …`
 * Runs every scenario against our cluster, the Socket.IO peer and the bare ws ceiling, each on
 * fresh processes, prints one table with ratios and writes the run to bench-results/<timestamp>.json.
 */
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { parseOptions } from './options.js';
import { runScenario } from './run-scenario.js';
import { GATEWAY_MAIN } from './servers/ours.js';
import { startServer } from './servers/index.js';
import type { ServerKind, StartOptions } from './servers/types.js';
import { emptyRow, type Row } from './scenarios/types.js';
import { renderTable } from './report/table.js';
import { equalLoad } from './report/equal-load.js';
import { writeResults } from './report/results-file.js';
import { writeCharts } from './report/charts.js';

const startedAt = new Date();
const options = parseOptions(process.argv.slice(2));
const log = (line: string): void => {
  process.stderr.write(`[${((Date.now() - startedAt.getTime()) / 1000).toFixed(0).padStart(4)}s] ${line}\n`);
};

/** The scenario list with idle expanded per connection count. */
function plannedScenarios(): string[] {
  return options.scenarios.flatMap((name) => (name === 'idle' ? options.idleCounts.map((count) => `idle:${count}`) : [name]));
}

/** The servers a scenario runs against: `scale` and `idle-cost` are about our gateways alone. */
function serversFor(scenario: string): readonly ServerKind[] {
  return scenario === 'scale' || scenario === 'idle-cost' ? options.servers.filter((kind) => kind === 'ours' || kind === 'baseline') : options.servers;
}

/** How to start a server for a scenario: `scale` runs `--gateways` gateways with room for their sockets, `idle-cost` one gateway, `batched` and `chat-batched` turn on our write window. */
function startOptionsFor(scenario: string, kind: ServerKind): StartOptions {
  return { ...scenarioStartOptions(scenario, kind), ...(kind === 'baseline' && options.baseline ? { gatewayMain: join(options.baseline, 'services/gateway/dist/main.js') } : {}) };
}

function scenarioStartOptions(scenario: string, kind: ServerKind): StartOptions {
  const nodeFlags = kind === 'baseline' ? (options.baselineFlags ?? options.gatewayFlags) : kind === 'ours' ? options.gatewayFlags : options.peerFlags;
  if (scenario === 'scale') {
    // The Redis link watchdog runs at its defaults: it counts only the time the node's loop ran, so
    // tens of thousands of joins at once are no partition (the row reports its trips).
    const gatewayEnv = { WS_HEARTBEAT_MS: String(options.scaleHeartbeatMs) };
    return { nodes: options.gateways, nodeFlags, openFiles: Math.ceil(options.scaleConnections / options.gateways) + 1000, gatewayEnv };
  }
  if (scenario === 'idle-cost') return { nodes: 1, nodeFlags };
  // Issue 23's chat rows: one node of each server (ours one gateway + Redis) and no write window.
  if (scenario === 'chat-rate') return { nodes: 1, nodeFlags, gatewayEnv: { WRITE_BATCH_MS: '0' }, inspect: options.heapSample !== undefined };
  if (scenario === 'batched' || scenario === 'chat-batched') return { nodes: 2, nodeFlags, gatewayEnv: { WRITE_BATCH_MS: String(options.writeBatchMs) } };
  return { nodes: 2, nodeFlags };
}

async function runOne(scenario: string, kind: ServerKind): Promise<Row[]> {
  const label = scenario.replace(':', ' ');
  if (kind === 'ours' && !existsSync(GATEWAY_MAIN)) return [{ ...emptyRow(label, kind), note: 'gateway not built (services/gateway/dist/main.js missing)' }];
  log(`${label} × ${kind}: starting`);
  let server;
  try {
    server = await startServer(kind, startOptionsFor(scenario, kind));
  } catch (error) {
    log(`${label} × ${kind}: server failed to start: ${String(error)}`);
    return [{ ...emptyRow(label, kind), note: `server failed to start: ${String(error).slice(0, 200)}` }];
  }
  try {
    const rows = await runScenario(scenario, server, options, log);
    const deaths = server.deaths();
    if (deaths.length === 0) return rows;
    return rows.map((row) => ({ ...row, note: [`SERVER PROCESS DIED: ${deaths.join(' | ').slice(0, 400)}`, row.note].filter(Boolean).join('; '), detail: { ...(row.detail as object), deaths } }));
  } catch (error) {
    log(`${label} × ${kind}: failed: ${String(error)}`);
    return [{ ...emptyRow(label, kind), note: `failed: ${String(error).slice(0, 300)}` }];
  } finally {
    await server.stop();
  }
}

/**
 * The run with the median deliveries per CPU-second, with p50 and p99 each the median over the
 * runs (one run's p99 is set by a few stalls); every run's own figures stay in its detail.
 */
function medianRow(runs: readonly Row[]): Row {
  if (runs.length === 1 && runs[0]) return runs[0];
  const sorted = [...runs].sort((a, b) => (a.deliveriesPerCpuSecond ?? 0) - (b.deliveriesPerCpuSecond ?? 0));
  const median = sorted[Math.floor(sorted.length / 2)] ?? emptyRow('?', 'ours');
  const all = runs.map((run) => Math.round(run.deliveriesPerCpuSecond ?? Number.NaN));
  const p50 = medianOf(runs.map((run) => run.p50));
  const p99 = medianOf(runs.map((run) => run.p99));
  const rounds = runs.map((run) => ({ deliveriesPerCpuSecond: run.deliveriesPerCpuSecond, p50: run.p50, p99: run.p99, note: run.note }));
  return {
    ...median,
    p50,
    p99,
    note: [`median of ${runs.length} runs (${all.join(', ')}; p99 ${runs.map((run) => run.p99?.toFixed(1) ?? '-').join(', ')} ms)`, median.note].filter(Boolean).join('; '),
    detail: { ...(median.detail as object), medianRunP50: median.p50, medianRunP99: median.p99, rounds },
  };
}

/** The median of the figures a run has (a run that measured nothing gives none). */
function medianOf(values: readonly (number | undefined)[]): number | undefined {
  const present = values.filter((value): value is number => typeof value === 'number' && Number.isFinite(value)).sort((a, b) => a - b);
  if (present.length === 0) return undefined;
  const middle = present.length / 2;
  return present.length % 2 === 1 ? present[Math.floor(middle)] : ((present[middle - 1] as number) + (present[middle] as number)) / 2;
}

/** How many times a scenario runs, servers interleaved (the machine is shared; each server's median counts). */
function roundsOf(scenario: string): number {
  if (scenario === 'paced' || scenario === 'batched') return options.pacedRounds;
  return scenario === 'chat-rate' ? options.chatRateRounds : 1;
}

async function main(): Promise<void> {
  log(`bench ${options.quick ? 'quick' : 'full'}: servers ${options.servers.join(',')}, scenarios ${plannedScenarios().join(',')}`);
  const rows: Row[] = [];
  for (const scenario of plannedScenarios()) {
    const rounds = roundsOf(scenario);
    // Per row label and server (chat-rate gives one row per rate), in the order first measured.
    const runsOf = new Map<string, Row[]>();
    const servers = serversFor(scenario);
    for (let round = 0; round < rounds; round++) {
      // Each round starts with the next server: running second is not always the same server's lot.
      for (const kind of [...servers.slice(round % servers.length), ...servers.slice(0, round % servers.length)]) {
        for (const row of await runOne(scenario, kind)) {
          const key = `${row.scenario} × ${row.server}`;
          runsOf.set(key, [...(runsOf.get(key) ?? []), row]);
        }
      }
    }
    const medians = [...runsOf.values()].map(medianRow);
    // Grouped by row label, so each label's servers and ratios sit together in the table.
    for (const label of new Set(medians.map((row) => row.scenario))) rows.push(...medians.filter((row) => row.scenario === label));
  }
  const comparisons = equalLoad(rows);
  const table = renderTable(rows);
  const path = writeResults(options.outDir, startedAt, { options, durationMs: Date.now() - startedAt.getTime(), table, equalLoad: comparisons, rows });
  process.stdout.write(`\n${table}\n\n`);
  for (const comparison of comparisons) {
    const figures = Object.entries(comparison.p99).map(([server, p99]) => `${server} ${p99} ms`).join(', ');
    process.stdout.write(`equal load (${comparison.scenario}, ${comparison.ratePerSec} sends/s): p99 ${figures}\n`);
  }
  process.stdout.write(`results: ${path} (${((Date.now() - startedAt.getTime()) / 1000).toFixed(0)} s)\n`);
  for (const chart of writeCharts(options.outDir, basename(path, '.json'), rows)) process.stdout.write(`chart: ${chart}\n`);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
