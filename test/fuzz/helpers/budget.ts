/**
 * How many inputs each fuzz target gets. `FUZZ_RUNS` unset: the CI sample (a few thousand in
 * all); `full`: at least 100k in all (`npm run fuzz`); a number: about that many in all.
 */
const WEIGHTS = {
  wsJson: 0.36,
  wsInvalidUtf8: 0.01,
  wsLine: 0.12,
  tcp: 0.12,
  sse: 0.05,
  poll: 0.08,
  post: 0.1,
  history: 0.09,
  staticPaths: 0.07,
  limits: 0.05,
} as const;

export type FuzzTarget = keyof typeof WEIGHTS;

const CI_TOTAL = 4000;
const FULL_TOTAL = 110_000;

export function totalInputs(env: string | undefined = process.env.FUZZ_RUNS): number {
  if (env === undefined || env === '' || env === 'ci') return CI_TOTAL;
  if (env === 'full') return FULL_TOTAL;
  const parsed = Number(env);
  if (!Number.isInteger(parsed) || parsed < 100) throw new Error(`FUZZ_RUNS must be 'full', 'ci' or a whole number >= 100, not '${env}'`);
  return parsed;
}

/** Inputs for `target`, at least `minimum`. */
export function inputsFor(target: FuzzTarget, minimum = 20): number {
  return Math.max(minimum, Math.round(totalInputs() * WEIGHTS[target]));
}

/** What the run tried, for the JSON line printed at the end. */
export class FuzzFigures {
  readonly inputs: Partial<Record<FuzzTarget, number>> = {};
  readonly replies: Partial<Record<FuzzTarget, Record<string, number>>> = {};
  crashes = 0;
  readonly startedAt = Date.now();

  count(target: FuzzTarget, inputs: number): void {
    this.inputs[target] = (this.inputs[target] ?? 0) + inputs;
  }

  /** Tallies one reply kind (status code, error code, close code) of a target. */
  reply(target: FuzzTarget, kind: string): void {
    const tally = (this.replies[target] ??= {});
    tally[kind] = (tally[kind] ?? 0) + 1;
  }

  toJson(unhandledRejections: number): string {
    const total = Object.values(this.inputs).reduce((sum, value) => sum + value, 0);
    return JSON.stringify({
      fuzz: {
        mode: process.env.FUZZ_RUNS ?? 'ci',
        inputsTotal: total,
        inputs: this.inputs,
        crashes: this.crashes,
        unhandledRejections,
        durationMs: Date.now() - this.startedAt,
        replies: this.replies,
      },
    });
  }
}
