import type { ServerUnderTest } from '../servers/types.js';
import { broadcastLayout, splitRate } from './layout.js';
import { measureStep, type StepResult } from './step.js';
import { combineWindows } from './windows.js';
import { emptyRow, type Row } from './types.js';
import { withPool } from './with-pool.js';
import { waitForQuiet } from './quiet.js';

/** A broadcast at one fixed pace. */
export interface PacedOptions {
  readonly label: string;
  readonly clients: number;
  readonly generators: number;
  /** Sender rate (msg/s): low enough that each message reaches the server in its own event-loop turn. */
  readonly ratePerSec: number;
  readonly windows: number;
  readonly windowMs: number;
}

const WARMUP_MS = 1000;

/**
 * One room of N clients, one sender at a fixed, modest rate: every message is its own event-loop
 * turn on the server, so one write per socket per message is the floor. The figure is deliveries
 * per CPU-second of every server process (nodes + Redis) over several windows.
 */
export async function pacedScenario(server: ServerUnderTest, options: PacedOptions, log: (line: string) => void): Promise<Row> {
  const layout = broadcastLayout(server, options.clients, options.generators, `paced-${server.kind}`);
  const rates = splitRate(options.ratePerSec, layout);
  return withPool(options.generators, async (pool) => {
    const opened = await pool.open(layout);
    if (opened.failed > 0) throw new Error(`${options.label}: ${opened.failed} clients failed to open: ${opened.firstErrors.join(' | ')}`);
    const quietAfterMs = await waitForQuiet(server);
    await measureStep(server, pool, rates, WARMUP_MS, options.clients);
    const steps: StepResult[] = [];
    for (let i = 0; i < options.windows; i++) steps.push(await measureStep(server, pool, rates, options.windowMs, options.clients));
    const total = combineWindows(steps);
    const perCpu = total.cpu > 0 ? total.received / total.cpu : Number.NaN;
    const ratio = total.expected === 0 ? 0 : total.received / total.expected;
    const redisShare = total.cpu > 0 ? (total.cpu - total.nodeCpu) / total.cpu : 0;
    const gaps = total.offsetGaps;
    const writes = total.writesPerDelivery;
    log(
      `  ${server.kind} ${options.label}: ${Math.round(perCpu)} deliveries/CPU-s (${total.cpu.toFixed(2)} CPU-s, Redis ${(redisShare * 100).toFixed(0)} %), ` +
        `${writes.toFixed(2)} write syscalls per delivery, delivered ${(ratio * 100).toFixed(2)}%, p50 ${total.p50} ms p99 ${total.p99} ms (worst window)`,
    );
    const notes = [`${writes.toFixed(2)} writes/delivery`, ratio < 0.999 ? `delivered ${(ratio * 100).toFixed(2)}%` : '', gaps > 0 ? `${gaps} offset gaps` : '', steps[0]?.violations[0] ? `protocol: ${steps[0].violations[0]}` : ''];
    return {
      ...emptyRow(options.label, server.kind),
      knee: total.received / ((options.windows * options.windowMs) / 1000),
      kneeIsLowerBound: false,
      deliveriesPerCpuSecond: perCpu,
      p50: total.p50,
      p99: total.p99,
      note: notes.filter(Boolean).join('; '),
      detail: { options, quietAfterMs, writesPerDelivery: writes, serverCpuSeconds: total.cpu, nodeCpuSeconds: total.nodeCpu, received: total.received, expected: total.expected, steps },
    };
  });
}
