import type { GeneratorPool } from '../gen/pool.js';
import type { ServerUnderTest } from '../servers/types.js';
import { splitRate, type Layout } from './layout.js';
import { measureStep, type StepResult } from './step.js';

/** Where a load stops being acceptable (issue 7). */
export const P99_LIMIT_MS = 200;
export const DELIVERY_FLOOR = 0.999;

const WARMUP_MS = 1000;

/** How to climb. */
export interface LadderOptions {
  readonly startRatePerSec: number;
  readonly factor: number;
  readonly maxSteps: number;
  readonly stepMs: number;
  /** Counted receivers per send. */
  readonly fanout: number;
}

/** The climb: every step, the knee (last healthy step) and a run at half the knee's rate. */
export interface LadderResult {
  readonly steps: readonly StepResult[];
  readonly knee: StepResult | undefined;
  /** True when even the last step was healthy: the knee is at least this high. */
  readonly kneeIsLowerBound: boolean;
  readonly half: StepResult | undefined;
}

/** True when a step met the latency and delivery bounds. */
export function healthy(step: StepResult): boolean {
  return step.latency.count > 0 && step.latency.p99 <= P99_LIMIT_MS && step.deliveryRatio >= DELIVERY_FLOOR;
}

/** The rate of step `i` of a ladder (same for every server, so steps compare at equal load). */
export function ladderRate(options: LadderOptions, i: number): number {
  return Math.round(options.startRatePerSec * options.factor ** i * 100) / 100;
}

/** Steps the send rate up until p99 > 200 ms or delivery < 99.9 %, then measures at half the knee. */
export async function climb(server: ServerUnderTest, pool: GeneratorPool, layout: Layout, options: LadderOptions, log: (line: string) => void): Promise<LadderResult> {
  // Warm-up at the first rate, discarded: JIT compilation and lazy setup are not steady state.
  await measureStep(server, pool, splitRate(options.startRatePerSec, layout), WARMUP_MS, options.fanout);
  const steps: StepResult[] = [];
  let knee: StepResult | undefined;
  for (let i = 0; i < options.maxSteps; i++) {
    const rate = ladderRate(options, i);
    let step = await measureStep(server, pool, splitRate(rate, layout), options.stepMs, options.fanout);
    if (!healthy(step)) {
      // The machine is shared: one stall can sink a step. A step fails only when it fails twice.
      log(`  ${server.kind} rate ${rate}/s: p99 ${step.latency.p99} ms, delivered ${(step.deliveryRatio * 100).toFixed(2)}%: retrying once`);
      steps.push({ ...step, retried: true });
      step = await measureStep(server, pool, splitRate(rate, layout), options.stepMs, options.fanout);
    }
    steps.push(step);
    log(
      `  ${server.kind} rate ${rate}/s: delivered ${(step.deliveryRatio * 100).toFixed(2)}% ` +
        `(${Math.round(step.deliveriesPerSec)}/s), p50 ${step.latency.p50} ms p99 ${step.latency.p99} ms, ` +
        `${Math.round(step.deliveriesPerCpuSecond)} deliveries/CPU-s, ${step.writesPerDelivery.toFixed(2)} writes/delivery, gen lag ${step.generatorLagMs.toFixed(0)} ms`,
    );
    if (!healthy(step)) break;
    knee = step;
  }
  const kneeIsLowerBound = knee !== undefined && knee.ratePerSec >= ladderRate(options, options.maxSteps - 1);
  const half = knee ? await measureStep(server, pool, splitRate(knee.ratePerSec / 2, layout), options.stepMs, options.fanout) : undefined;
  if (half) log(`  ${server.kind} half knee ${half.ratePerSec}/s: p50 ${half.latency.p50} ms p99 ${half.latency.p99} ms`);
  return { steps, knee, kneeIsLowerBound, half };
}
