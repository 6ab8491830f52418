import type { ServerUnderTest } from '../servers/types.js';
import { summarize } from '../stats/histogram.js';
import { totalCpuSeconds, totalRssBytes } from '../util/proc-stats.js';
import { sleep } from '../util/wait.js';
import { broadcastLayout, splitRate } from './layout.js';
import { emptyRow, type Row } from './types.js';
import { withPool } from './with-pool.js';
import { waitForQuiet } from './quiet.js';

/** Sizes of the slow-consumer scenario. */
export interface SlowOptions {
  readonly clients: number;
  readonly slowFraction: number;
  readonly generators: number;
  readonly ratePerSec: number;
  /** Characters of padding per message, so slow consumers' buffers fill within the run. */
  readonly padChars: number;
  readonly durationMs: number;
}

/** One sample of the run. */
interface Sample {
  readonly atMs: number;
  readonly serverRssMb: number;
  readonly received: number;
  readonly closes: Record<string, number>;
  /** Slow-consumer disconnects the server itself counts (our gateway's /metrics), if it exposes them. */
  readonly serverSlowDisconnects: number | undefined;
}

/** Sum of the WebSocket slow-consumer disconnect counters over the nodes (undefined without /metrics). */
function sumWsSlowDisconnects(lines: readonly string[]): number | undefined {
  const values = lines.flatMap((line) => {
    const match = /slow\S*\{[^}]*transport="ws"[^}]*\} ([0-9.e+]+)$/.exec(line);
    return match?.[1] ? [Number(match[1])] : [];
  });
  return values.length === 0 ? undefined : values.reduce((sum, value) => sum + value, 0);
}

/** Server-side metric lines about slow consumers, from our gateway's /metrics. */
async function slowMetrics(httpUrls: readonly string[]): Promise<string[]> {
  const lines: string[] = [];
  for (const url of httpUrls) {
    try {
      const response = await fetch(`${url}/metrics`);
      if (!response.ok) continue;
      const text = await response.text();
      lines.push(...text.split('\n').filter((line) => /slow/i.test(line) && !line.startsWith('#')).map((line) => `${url}: ${line}`));
    } catch {
      // a node without /metrics (the peers) has nothing to add
    }
  }
  return lines;
}

/** 1 % of clients stop reading; the others' latency and the server's memory over time. */
export async function slowScenario(server: ServerUnderTest, options: SlowOptions, log: (line: string) => void): Promise<Row> {
  const slow = Math.max(1, Math.round(options.clients * options.slowFraction));
  const layout = broadcastLayout(server, options.clients, options.generators, `slow-${server.kind}`, slow);
  const slowCount = layout.flat().filter((client) => client.slow).length;
  const fanout = options.clients - slowCount;
  const pad = ';' + 'x'.repeat(options.padChars);
  return withPool(options.generators, async (pool) => {
    const opened = await pool.open(layout);
    if (opened.failed > 0) throw new Error(`slow: ${opened.failed} clients failed to open: ${opened.firstErrors.join(' | ')}`);
    const quietAfterMs = await waitForQuiet(server);
    await pool.report();
    const pids = server.pids();
    const nodePids = server.nodePids();
    const cpuBefore = totalCpuSeconds(pids);
    const rssStart = totalRssBytes(nodePids);
    const samples: Sample[] = [];
    const started = Date.now();
    const rates = splitRate(options.ratePerSec, layout);
    for (let second = 0; second * 1000 < options.durationMs; second++) {
      await pool.run(rates, 1000, pad);
      const counts = await pool.counts();
      const serverSlowDisconnects = sumWsSlowDisconnects(await slowMetrics(server.httpUrls));
      samples.push({ atMs: Date.now() - started, serverRssMb: totalRssBytes(nodePids) / 2 ** 20, received: counts.received, closes: { ...counts.closes }, serverSlowDisconnects });
    }
    await sleep(1000);
    const serverCpuSeconds = totalCpuSeconds(pids) - cpuBefore;
    const { counts, histogram } = await pool.report();
    const latency = summarize(histogram);
    histogram.destroy();
    // Paused clients cannot see a close frame; let them read to learn how the server closed them.
    await pool.resumeSlow();
    await sleep(1500);
    const closes = (await pool.counts()).closes;
    const metrics = await slowMetrics(server.httpUrls);
    const serverDisconnects = sumWsSlowDisconnects(metrics);
    const peakRssMb = Math.max(...samples.map((sample) => sample.serverRssMb));
    const firstDisconnect = samples.find((sample) => (sample.serverSlowDisconnects ?? 0) > 0);
    const closedBy = firstDisconnect ? `, the first within ${(firstDisconnect.atMs / 1000).toFixed(0)} s` : '';
    const serverSide = serverDisconnects === undefined ? '' : `server counted ${serverDisconnects} slow-consumer disconnect(s)${closedBy}; `;
    const expected = counts.sent * fanout;
    const ratio = expected === 0 ? 0 : counts.received / expected;
    log(
      `  ${server.kind} slow: ${slowCount} slow of ${options.clients}; others p99 ${latency.p99} ms, delivered ${(ratio * 100).toFixed(2)}%; ` +
        `server RSS ${(rssStart / 2 ** 20).toFixed(0)} → peak ${peakRssMb.toFixed(0)} MB; ${serverSide}clients saw closes ${JSON.stringify(closes)}`,
    );
    return {
      ...emptyRow('slow consumers', server.kind),
      p50: latency.p50,
      p99: latency.p99,
      deliveriesPerCpuSecond: serverCpuSeconds > 0 ? counts.received / serverCpuSeconds : undefined,
      note: `${slowCount} slow; peak RSS ${peakRssMb.toFixed(0)} MB (start ${(rssStart / 2 ** 20).toFixed(0)}); ${serverSide}clients saw closes ${JSON.stringify(closes)}; others delivered ${(ratio * 100).toFixed(2)}%`,
      detail: { options, quietAfterMs, slowCount, sent: counts.sent, expected, received: counts.received, deliveryRatio: ratio, latency, serverCpuSeconds, rssStartBytes: rssStart, samples, closesAfterResume: closes, serverSlowDisconnects: serverDisconnects ?? null, serverSlowMetrics: metrics, violations: counts.violations, errors: counts.errors },
    };
  });
}
