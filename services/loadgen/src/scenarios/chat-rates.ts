import { commandStatDeltas, RedisStatsReader } from '../checks/redis-commandstats.js';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HeapSampler, topAllocationSites, type HeapSampleMode } from '../profile/heap-sampler.js';
import { fetchGcSeconds, gcDelta, type GcDelta } from '../servers/gc-time.js';
import type { ServerUnderTest } from '../servers/types.js';
import { oneSenderRoomsLayout, splitRate } from './layout.js';
import { measureStep, type StepResult } from './step.js';
import { emptyRow, type Row } from './types.js';
import { combineWindows } from './windows.js';
import { withPool } from './with-pool.js';
import { waitForQuiet } from './quiet.js';

/** Sizes of the chat-rate scenario (issue 23). */
export interface ChatRatesOptions {
  readonly clients: number;
  readonly roomSize: number;
  readonly generators: number;
  /** Aggregate messages per second, one row each (default 500, 2,000, 5,000). */
  readonly rates: readonly number[];
  readonly windows: number;
  readonly windowMs: number;
  /** Sample the gateways' allocations over each row's windows; `.heapprofile` files go to `dir`. */
  readonly heapSample?: { readonly mode: HeapSampleMode; readonly dir: string } | undefined;
}

const WARMUP_MS = 1500;

/** The label of one rate's row: `chat-rate 2000`. */
export function chatRateLabel(rate: number): string {
  return `chat-rate ${rate}`;
}

/**
 * Rooms of 10, one sender per room, at fixed chat rates (not a climb): every server gets the same
 * offered load, so deliveries per CPU-second (nodes + Redis) and p50/p99 compare directly. One row
 * per rate; Redis `INFO commandstats` over the measured windows goes in the row's detail.
 */
export async function chatRatesScenario(server: ServerUnderTest, options: ChatRatesOptions, log: (line: string) => void): Promise<Row[]> {
  const layout = oneSenderRoomsLayout(server, options.clients, options.roomSize, options.generators, `rate-${server.kind}-`);
  const redis = RedisStatsReader.open(server.redisPort);
  try {
    return await withPool(options.generators, async (pool) => {
      const opened = await pool.open(layout);
      if (opened.failed > 0) throw new Error(`chat-rate: ${opened.failed} clients failed to open: ${opened.firstErrors.join(' | ')}`);
      const quietAfterMs = await waitForQuiet(server);
      const rows: Row[] = [];
      for (const rate of options.rates) {
        const rates = splitRate(rate, layout);
        await measureStep(server, pool, rates, WARMUP_MS, options.roomSize);
        const statsBefore = await redis?.commandStats();
        const gcBefore = await Promise.all(server.httpUrls.map(fetchGcSeconds));
        const sampling = options.heapSample ? await startSampling(server, options.heapSample.mode) : [];
        const steps: StepResult[] = [];
        for (let i = 0; i < options.windows; i++) steps.push(await measureStep(server, pool, rates, options.windowMs, options.roomSize));
        const heapSamples = options.heapSample ? await stopSampling(sampling, options.heapSample.dir, `${server.kind}-${chatRateLabel(rate).replace(' ', '-')}`, log) : undefined;
        const gcAfter = await Promise.all(server.httpUrls.map(fetchGcSeconds));
        const statsAfter = await redis?.commandStats();
        const redisCommands = statsBefore && statsAfter ? commandStatDeltas(statsBefore, statsAfter) : undefined;
        const gc = gcDelta(gcBefore, gcAfter);
        rows.push(rateRow(server, rate, steps, gc, { options, quietAfterMs, redisCommands, gc, ...(heapSamples ? { heapSamples } : {}) }));
        log(`  ${server.kind} ${chatRateLabel(rate)}: ${rows.at(-1)?.note ?? ''}`);
      }
      return rows;
    });
  } finally {
    redis?.close();
  }
}

function rateRow(server: ServerUnderTest, rate: number, steps: readonly StepResult[], gc: GcDelta | undefined, extra: Record<string, unknown>): Row {
  const total = combineWindows(steps);
  const perCpu = total.cpu > 0 ? total.received / total.cpu : Number.NaN;
  const delivered = total.expected === 0 ? 0 : total.received / total.expected;
  const seconds = (steps.length * (steps[0]?.durationMs ?? 0)) / 1000;
  const redisCpu = total.cpu - total.nodeCpu;
  const sent = steps.reduce((sum, step) => sum + step.sent, 0);
  const notes = [
    `${Math.round(total.received / seconds)} deliveries/s`,
    `CPU ${(total.cpu / seconds).toFixed(2)} cores (Redis ${(redisCpu / seconds).toFixed(2)})`,
    `${total.writesPerDelivery.toFixed(2)} writes/delivery`,
    delivered < 0.999 ? `delivered ${(delivered * 100).toFixed(2)}%` : '',
    total.offsetGaps > 0 ? `${total.offsetGaps} offset gaps` : '',
    total.generatorLagMs > 20 ? `generator lag ${total.generatorLagMs.toFixed(0)} ms` : '',
    gcNote(gc, seconds),
    steps[0]?.violations[0] ? `protocol: ${steps[0].violations[0]}` : '',
  ];
  return {
    ...emptyRow(chatRateLabel(rate), server.kind),
    knee: total.received / seconds,
    deliveriesPerCpuSecond: perCpu,
    p50: total.p50,
    p99: total.p99,
    note: notes.filter(Boolean).join('; '),
    detail: {
      ...extra,
      ratePerSec: rate,
      serverCpuSeconds: total.cpu,
      nodeCpuSeconds: total.nodeCpu,
      redisCpuSeconds: redisCpu,
      microsPerDelivery: total.received > 0 ? (total.cpu / total.received) * 1e6 : null,
      microsPerMessage: sent > 0 ? (total.cpu / sent) * 1e6 : null,
      writesPerDelivery: total.writesPerDelivery,
      deliveryRatio: delivered,
      windows: steps,
    },
  };
}

/** `GC 12 ms/s (minor 40, major 1)`: the nodes' collection time per second of the windows. */
function gcNote(gc: GcDelta | undefined, seconds: number): string {
  if (!gc || seconds <= 0) return '';
  const total = Object.values(gc).reduce((sum, kind) => sum + kind.ms, 0);
  const counts = Object.entries(gc).filter(([kind, { count }]) => count > 0 && kind !== 'weakcb').map(([kind, { count }]) => `${kind} ${count}`);
  return `GC ${(total / seconds).toFixed(1)} ms/s (${counts.join(', ')})`;
}

/** Starts the allocation sampler of every node that has an inspector (our gateways with --heap-sample). */
async function startSampling(server: ServerUnderTest, mode: HeapSampleMode): Promise<HeapSampler[]> {
  const samplers = await Promise.all((server.inspectorPorts ?? []).map((port) => HeapSampler.open(port)));
  await Promise.all(samplers.map((sampler) => sampler.start(mode)));
  return samplers;
}

/** Stops the samplers, writes each profile (`<name>-node<i>.heapprofile`) and returns the top allocation sites per node. */
async function stopSampling(samplers: readonly HeapSampler[], dir: string, name: string, log: (line: string) => void): Promise<unknown[]> {
  return Promise.all(
    samplers.map(async (sampler, index) => {
      try {
        const profile = await sampler.stop();
        mkdirSync(dir, { recursive: true });
        const file = join(dir, `${name}-node${index}.heapprofile`);
        writeFileSync(file, JSON.stringify(profile));
        log(`  heap sample: ${file}`);
        return { file, ...topAllocationSites(profile, 12) };
      } finally {
        sampler.close();
      }
    }),
  );
}
