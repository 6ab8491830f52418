import type { GeneratorPool } from '../gen/pool.js';
import type { Counts } from '../gen/messages.js';
import type { ServerUnderTest } from '../servers/types.js';
import { summarize, type LatencySummary } from '../stats/histogram.js';
import { totalCpuSeconds, totalWriteSyscalls } from '../util/proc-stats.js';
import { sleep } from '../util/wait.js';

/** What one measured window at a fixed send rate produced. */
export interface StepResult {
  /** Aggregate sends per second asked of the generators. */
  readonly ratePerSec: number;
  readonly durationMs: number;
  readonly sent: number;
  readonly acks: number;
  readonly expected: number;
  readonly received: number;
  readonly deliveryRatio: number;
  readonly deliveriesPerSec: number;
  /** CPU seconds of every server process (nodes + Redis) over the window and its drain. */
  readonly serverCpuSeconds: number;
  /** The same split: node processes and Redis. */
  readonly nodeCpuSeconds: number;
  readonly redisCpuSeconds: number;
  readonly deliveriesPerCpuSecond: number;
  /** Write syscalls of the node processes per delivery: 1 when every message is its own write, less when writes batch. */
  readonly writesPerDelivery: number;
  /** CPU seconds the load generators used over the same window (they share the machine). */
  readonly generatorCpuSeconds: number;
  /** Largest delay between a send's intended time and when the generator got to it. */
  readonly generatorLagMs: number;
  readonly latency: LatencySummary;
  readonly offsetGaps: number;
  readonly errors: Counts['errors'];
  readonly closes: Counts['closes'];
  readonly violations: readonly string[];
  /** Worst latency (ms) per 500 ms of the window: periodic stalls show up here. */
  readonly worstByHalfSecond: readonly number[];
  /** Set on a failed attempt that was run again. */
  readonly retried?: boolean;
}

const DRAIN_MAX_MS = 5000;
const DRAIN_QUIET_MS = 1000;

/** Waits until every expected delivery arrived, nothing arrived for a while, or a bound passed. */
async function drain(pool: GeneratorPool, expected: (counts: Counts) => number): Promise<void> {
  const deadline = Date.now() + DRAIN_MAX_MS;
  let last = -1;
  let lastChange = Date.now();
  while (Date.now() < deadline) {
    const counts = await pool.counts();
    if (counts.received >= expected(counts)) return;
    if (counts.received !== last) {
      last = counts.received;
      lastChange = Date.now();
    } else if (Date.now() - lastChange > DRAIN_QUIET_MS) return;
    await sleep(100);
  }
}

/**
 * Runs one window: sends at `rates` (per generator) for `durationMs`, drains, and reads counters,
 * latency and the server's CPU time. `fanout` is how many counted receivers each send has.
 */
export async function measureStep(
  server: ServerUnderTest,
  pool: GeneratorPool,
  rates: readonly number[],
  durationMs: number,
  fanout: number,
  pad = '',
): Promise<StepResult> {
  await pool.report(); // discard anything from before the window
  const pids = server.pids();
  const nodePids = server.nodePids();
  const cpuBefore = totalCpuSeconds(pids);
  const nodeBefore = totalCpuSeconds(nodePids);
  const writesBefore = totalWriteSyscalls(nodePids);
  const genBefore = pool.cpuSeconds();
  const { lagMs } = await pool.run(rates, durationMs, pad);
  await drain(pool, (counts) => counts.sent * fanout);
  const serverCpuSeconds = totalCpuSeconds(pids) - cpuBefore;
  const nodeCpuSeconds = totalCpuSeconds(nodePids) - nodeBefore;
  const nodeWrites = totalWriteSyscalls(nodePids) - writesBefore;
  const generatorCpuSeconds = pool.cpuSeconds() - genBefore;
  const { counts, histogram } = await pool.report();
  const latency = summarize(histogram);
  histogram.destroy();
  const expected = counts.sent * fanout;
  return {
    ratePerSec: rates.reduce((sum, rate) => sum + rate, 0),
    durationMs,
    sent: counts.sent,
    acks: counts.acks,
    expected,
    received: counts.received,
    deliveryRatio: expected === 0 ? 0 : counts.received / expected,
    deliveriesPerSec: counts.received / (durationMs / 1000),
    serverCpuSeconds,
    nodeCpuSeconds,
    redisCpuSeconds: serverCpuSeconds - nodeCpuSeconds,
    deliveriesPerCpuSecond: serverCpuSeconds > 0 ? counts.received / serverCpuSeconds : Number.NaN,
    writesPerDelivery: counts.received > 0 ? nodeWrites / counts.received : Number.NaN,
    generatorCpuSeconds,
    generatorLagMs: lagMs,
    latency,
    offsetGaps: counts.offsetGaps,
    errors: counts.errors,
    closes: counts.closes,
    violations: counts.violations,
    worstByHalfSecond: counts.worstByHalfSecond,
  };
}
