import type { StepResult } from './step.js';

/** Several measured windows added up. */
export interface CombinedWindows {
  readonly received: number;
  readonly expected: number;
  readonly cpu: number;
  readonly nodeCpu: number;
  /** The worst window's p50 and p99. */
  readonly p50: number;
  readonly p99: number;
  readonly offsetGaps: number;
  /** Write syscalls of the node processes per delivery over all windows. */
  readonly writesPerDelivery: number;
  readonly generatorLagMs: number;
}

/** The windows added up: deliveries, CPU (all server processes and the nodes alone), the worst window's latency. */
export function combineWindows(steps: readonly StepResult[]): CombinedWindows {
  const sum = (pick: (step: StepResult) => number): number => steps.reduce((total, step) => total + pick(step), 0);
  const received = sum((step) => step.received);
  return {
    received,
    expected: sum((step) => step.expected),
    cpu: sum((step) => step.serverCpuSeconds),
    nodeCpu: sum((step) => step.nodeCpuSeconds),
    p50: Math.max(...steps.map((step) => step.latency.p50)),
    p99: Math.max(...steps.map((step) => step.latency.p99)),
    offsetGaps: sum((step) => step.offsetGaps),
    writesPerDelivery: sum((step) => step.writesPerDelivery * step.received) / Math.max(1, received),
    generatorLagMs: Math.max(0, ...steps.map((step) => step.generatorLagMs)),
  };
}
