import type { Row } from '../scenarios/types.js';
import type { StepResult } from '../scenarios/step.js';

/** p99 of each server at the same offered load: the highest ladder rate every server ran. */
export interface EqualLoad {
  readonly scenario: string;
  readonly ratePerSec: number;
  readonly p99: Record<string, number>;
  readonly deliveryRatio: Record<string, number>;
}

function stepsOf(row: Row): StepResult[] {
  const detail = row.detail as { steps?: StepResult[] };
  return Array.isArray(detail.steps) ? detail.steps : [];
}

/** Compares servers at equal load (ladders use the same rates for every server). */
export function equalLoad(rows: readonly Row[]): EqualLoad[] {
  const result: EqualLoad[] = [];
  for (const scenario of ['chat', 'broadcast']) {
    const mine = rows.filter((row) => row.scenario === scenario && stepsOf(row).length > 0);
    if (mine.length < 2) continue;
    const common = Math.min(...mine.map((row) => Math.max(...stepsOf(row).map((step) => step.ratePerSec))));
    const p99: Record<string, number> = {};
    const deliveryRatio: Record<string, number> = {};
    for (const row of mine) {
      const step = stepsOf(row).find((one) => !one.retried && Math.abs(one.ratePerSec - common) < 0.01);
      if (!step) continue;
      p99[row.server] = step.latency.p99;
      deliveryRatio[row.server] = step.deliveryRatio;
    }
    result.push({ scenario, ratePerSec: common, p99, deliveryRatio });
  }
  return result;
}
