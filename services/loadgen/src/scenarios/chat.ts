import type { ServerUnderTest } from '../servers/types.js';
import { chatLayout } from './layout.js';
import { climb, type LadderOptions, type LadderResult } from './ladder.js';
import { emptyRow, type Row } from './types.js';
import { withPool } from './with-pool.js';
import { waitForQuiet } from './quiet.js';
import type { GeneratorPool } from '../gen/pool.js';
import type { Layout } from './layout.js';

/** Sizes of the chat scenario. */
export interface ChatOptions {
  /** The row's name (default `chat`). */
  readonly label?: string;
  readonly clients: number;
  readonly roomSize: number;
  readonly generators: number;
  /** Per-client send rate of the first step (msg/s); the ladder multiplies the aggregate. */
  readonly startPerClient: number;
  readonly factor: number;
  readonly maxSteps: number;
  readonly stepMs: number;
}

/** Turns a climb into a table row. */
export function ladderRow(scenario: string, server: ServerUnderTest, result: LadderResult, extra: Record<string, unknown>): Row {
  const violations = result.steps.flatMap((step) => step.violations);
  const gaps = result.steps.reduce((sum, step) => sum + step.offsetGaps, 0);
  const notes = [
    result.knee ? '' : 'no healthy step (lowest step already over the bounds)',
    result.kneeIsLowerBound ? 'knee ≥ last step (ladder ended healthy)' : '',
    gaps > 0 ? `${gaps} offset gaps` : '',
    violations.length > 0 ? `protocol: ${violations[0] ?? ''}` : '',
  ];
  return {
    ...emptyRow(scenario, server.kind),
    knee: result.knee?.deliveriesPerSec,
    kneeIsLowerBound: result.kneeIsLowerBound,
    deliveriesPerCpuSecond: result.knee?.deliveriesPerCpuSecond,
    p50: result.half?.latency.p50,
    p99: result.half?.latency.p99,
    note: notes.filter(Boolean).join('; '),
    detail: { ...extra, steps: result.steps, knee: result.knee ?? null, half: result.half ?? null, kneeIsLowerBound: result.kneeIsLowerBound },
  };
}

/** Work to do with the clients still open after the climb (Redis claims for our server). */
export type AfterClimb = (server: ServerUnderTest, pool: GeneratorPool, layout: Layout, result: LadderResult) => Promise<Record<string, unknown>>;

/** Rooms of `roomSize`, every client sending at a fixed rate, stepped up to the knee. */
export async function chatScenario(server: ServerUnderTest, options: ChatOptions, log: (line: string) => void, after?: AfterClimb): Promise<Row> {
  const layout = chatLayout(server, options.clients, options.roomSize, options.generators, `chat-${server.kind}-`);
  return withPool(options.generators, async (pool) => {
    const opened = await pool.open(layout);
    if (opened.failed > 0) throw new Error(`chat: ${opened.failed} clients failed to open: ${opened.firstErrors.join(' | ')}`);
    const quietAfterMs = await waitForQuiet(server);
    const ladder: LadderOptions = {
      startRatePerSec: options.startPerClient * options.clients,
      factor: options.factor,
      maxSteps: options.maxSteps,
      stepMs: options.stepMs,
      fanout: options.roomSize,
    };
    const result = await climb(server, pool, layout, ladder, log);
    const extra = after ? await after(server, pool, layout, result) : {};
    return ladderRow(options.label ?? 'chat', server, result, { options, quietAfterMs, ...extra });
  });
}
