import type { Row } from '../scenarios/types.js';
import type { StepResult } from '../scenarios/step.js';
import { healthy } from '../scenarios/ladder.js';

/** p99 of each server at the same offered load: the highest ladder rate every server passed (else the highest all ran). */
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
  for (const scenario of ['chat', 'chat-batched', 'broadcast']) {
    const mine = rows.filter((row) => row.scenario === scenario && stepsOf(row).length > 0);
    if (mine.length < 2) continue;
    const finalSteps = (row: Row): StepResult[] => stepsOf(row).filter((step) => !step.retried);
    const ranByAll = Math.min(...mine.map((row) => Math.max(...finalSteps(row).map((step) => step.ratePerSec))));
    const passedByAll = Math.min(...mine.map((row) => Math.max(0, ...finalSteps(row).filter(healthy).map((step) => step.ratePerSec))));
    const common = passedByAll > 0 ? passedByAll : ranByAll;
    const p99: Record<string, number> = {};
    const deliveryRatio: Record<string, number> = {};
    for (const row of mine) {
      const step = finalSteps(row).find((one) => Math.abs(one.ratePerSec - common) < 0.01);
      if (!step) continue;
      p99[row.server] = step.latency.p99;
      deliveryRatio[row.server] = step.deliveryRatio;
    }
    result.push({ scenario, ratePerSec: common, p99, deliveryRatio });
  }
  return result;
}
