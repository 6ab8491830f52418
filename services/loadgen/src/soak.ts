/**
 * `npm run soak [-- --minutes=30] [--sample-s=10] [--chat-clients=200] [--chat-rate=100]
 *   [--broadcast-clients=200] [--broadcast-rate=5] [--churn=100] [--out=bench-results]`
 * Our cluster (Redis + 2 gateways) under mixed traffic for a long while: chat rooms of 10, one
 * broadcast room, and clients that join and leave every sample (presence churn). Samples the
 * gateways' RSS and V8 heap and reports their slope (MB per hour) after the first fifth of the run,
 * with the delivery ratio and latency of every sample. Memory that grows with time is a leak.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GeneratorPool } from './gen/pool.js';
import { startServer } from './servers/index.js';
import { broadcastLayout, chatLayout, splitRate } from './scenarios/layout.js';
import { waitForQuiet } from './scenarios/quiet.js';
import { summarize, type LatencySummary } from './stats/histogram.js';
import { slope } from './stats/slope.js';
import { repoPath } from './util/paths.js';
import { totalCpuSeconds, totalRssBytes } from './util/proc-stats.js';

interface SoakOptions {
  minutes: number;
  sampleS: number;
  chatClients: number;
  chatRate: number;
  broadcastClients: number;
  broadcastRate: number;
  churn: number;
  out: string;
}

interface Sample {
  readonly atS: number;
  readonly rssMb: number;
  readonly heapMb: number | null;
  readonly redisRssMb: number;
  readonly cpuSeconds: number;
  readonly sent: number;
  readonly expected: number;
  readonly received: number;
  readonly churned: number;
  readonly latency: LatencySummary;
}

function parse(argv: readonly string[]): SoakOptions {
  const options: SoakOptions = { minutes: 30, sampleS: 10, chatClients: 200, chatRate: 100, broadcastClients: 200, broadcastRate: 5, churn: 50, out: repoPath('bench-results') };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] ?? '';
    const [rawName, inline] = arg.startsWith('--') ? arg.slice(2).split('=', 2) : ['', undefined];
    const value = inline ?? argv[++i] ?? '';
    const name = (rawName ?? '').replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase()) as keyof SoakOptions;
    if (!(name in options)) throw new Error(`unknown flag ${arg}`);
    if (name === 'out') options.out = value;
    else {
      const number = Number(value);
      if (!Number.isFinite(number) || number <= 0) throw new Error(`--${rawName} must be a positive number`);
      options[name] = number;
    }
  }
  return options;
}

const log = (line: string): void => void process.stderr.write(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
const mb = (bytes: number): number => Math.round((bytes / 2 ** 20) * 100) / 100;

async function main(): Promise<void> {
  const options = parse(process.argv.slice(2));
  const startedAt = new Date();
  const server = await startServer('ours', { nodes: 2, nodeFlags: [] });
  const chat = GeneratorPool.start(1);
  const broadcast = GeneratorPool.start(1);
  const churn = GeneratorPool.start(1);
  try {
    const chatClients = chatLayout(server, options.chatClients, 10, 1, 'soak-chat-');
    const broadcastClients = broadcastLayout(server, options.broadcastClients, 1, 'soak-broadcast');
    for (const [pool, layout] of [[chat, chatClients], [broadcast, broadcastClients]] as const) {
      const opened = await pool.open(layout);
      if (opened.failed > 0) throw new Error(`soak: ${opened.failed} clients failed to open: ${opened.firstErrors.join(' | ')}`);
    }
    await waitForQuiet(server);
    // Churners join rooms of their own (presence joins and leaves), so the deliveries counted stay exact.
    const churners = chatLayout(server, options.churn, 10, 1, 'soak-churn-').map((specs) => specs.map((spec) => ({ ...spec, sender: false })));
    const samples: Sample[] = [];
    const started = Date.now();
    const endAt = started + options.minutes * 60_000;
    log(`${options.minutes} min: ${options.chatClients} chat clients (${options.chatRate} msg/s), broadcast room of ${options.broadcastClients} (${options.broadcastRate} msg/s), ${options.churn} clients join and leave every ${options.sampleS} s`);
    while (Date.now() < endAt) {
      const cpuBefore = totalCpuSeconds(server.pids());
      const [, , churned] = await Promise.all([
        chat.run(splitRate(options.chatRate, chatClients), options.sampleS * 1000),
        broadcast.run(splitRate(options.broadcastRate, broadcastClients), options.sampleS * 1000),
        churn.open(churners).then(async (opened) => {
          if (opened.failed > 0) log(`churn: ${opened.failed} of ${options.churn} failed to open: ${opened.firstErrors[0] ?? ''}`);
          await churn.closeClients();
          return opened.ok;
        }),
      ]);
      const reports = [await chat.report(), await broadcast.report()];
      const [chatReport, broadcastReport] = reports;
      const latency = summarize(chatReport?.histogram ?? broadcastReport!.histogram);
      for (const report of reports) report.histogram.destroy();
      const heap = await server.heapUsedBytes();
      const sample: Sample = {
        atS: Math.round((Date.now() - started) / 100) / 10,
        rssMb: mb(totalRssBytes(server.nodePids())),
        heapMb: heap === undefined ? null : mb(heap),
        redisRssMb: mb(totalRssBytes(server.pids().filter((pid) => !server.nodePids().includes(pid)))),
        cpuSeconds: totalCpuSeconds(server.pids()) - cpuBefore,
        sent: (chatReport?.counts.sent ?? 0) + (broadcastReport?.counts.sent ?? 0),
        // Chat messages reach the 10 members of a room, broadcasts every member of the room.
        expected: (chatReport?.counts.sent ?? 0) * 10 + (broadcastReport?.counts.sent ?? 0) * options.broadcastClients,
        received: (chatReport?.counts.received ?? 0) + (broadcastReport?.counts.received ?? 0),
        churned,
        latency,
      };
      samples.push(sample);
      log(`${sample.atS.toFixed(0)} s: RSS ${sample.rssMb} MB, heap ${sample.heapMb ?? '?'} MB, Redis ${sample.redisRssMb} MB; delivered ${sample.received}/${sample.expected}, chat p99 ${latency.p99} ms`);
    }
    // The first fifth is warm-up (JIT, pools, the first GCs): the slope is of the rest.
    const steady = samples.slice(Math.floor(samples.length / 5));
    const perHour = (pick: (sample: Sample) => number | null): number =>
      slope(steady.flatMap((sample) => (pick(sample) === null ? [] : [[sample.atS / 3600, pick(sample) ?? 0] as const])));
    const sent = samples.reduce((sum, sample) => sum + sample.sent, 0);
    const expected = samples.reduce((sum, sample) => sum + sample.expected, 0);
    const received = samples.reduce((sum, sample) => sum + sample.received, 0);
    const summary = {
      minutes: options.minutes,
      rssSlopeMbPerHour: perHour((sample) => sample.rssMb),
      heapSlopeMbPerHour: perHour((sample) => sample.heapMb),
      redisRssSlopeMbPerHour: perHour((sample) => sample.redisRssMb),
      rssMb: { first: samples[0]?.rssMb, steadyStart: steady[0]?.rssMb, last: samples.at(-1)?.rssMb, max: Math.max(...samples.map((sample) => sample.rssMb)) },
      heapMb: { steadyStart: steady[0]?.heapMb, last: samples.at(-1)?.heapMb },
      sent,
      deliveryRatio: expected === 0 ? 0 : received / expected,
      chatP99Ms: { median: [...samples.map((sample) => sample.latency.p99)].sort((a, b) => a - b)[Math.floor(samples.length / 2)], max: Math.max(...samples.map((sample) => sample.latency.p99)) },
      churnedConnections: samples.reduce((sum, sample) => sum + sample.churned, 0),
      deaths: server.deaths(),
    };
    mkdirSync(options.out, { recursive: true });
    const path = join(options.out, `soak-${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
    writeFileSync(path, `${JSON.stringify({ startedAt: startedAt.toISOString(), options, summary, samples }, null, 2)}\n`);
    process.stdout.write(
      `soak ${options.minutes} min: RSS slope ${summary.rssSlopeMbPerHour.toFixed(2)} MB/h (${summary.rssMb.steadyStart} → ${summary.rssMb.last} MB), ` +
        `heap slope ${summary.heapSlopeMbPerHour.toFixed(2)} MB/h (${summary.heapMb.steadyStart} → ${summary.heapMb.last} MB), Redis RSS slope ${summary.redisRssSlopeMbPerHour.toFixed(2)} MB/h; ` +
        `${sent} sends, delivered ${(summary.deliveryRatio * 100).toFixed(3)}%, chat p99 median ${summary.chatP99Ms.median} ms (max ${summary.chatP99Ms.max}); ` +
        `${summary.churnedConnections} connections churned${summary.deaths.length ? `; DEATHS: ${summary.deaths.join(' | ')}` : ''}\nresults: ${path}\n`,
    );
  } finally {
    await Promise.all([chat.stop(), broadcast.stop(), churn.stop()]);
    await server.stop();
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    log(`soak failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    process.exit(1);
  },
);
