import type { ServerKind, ServerUnderTest } from '../servers/types.js';

/** One line of the results table; `detail` is everything else, for the JSON file. */
export interface Row {
  readonly scenario: string;
  readonly server: ServerKind;
  /** Deliveries per second at the knee. */
  readonly knee: number | undefined;
  readonly kneeIsLowerBound: boolean;
  readonly deliveriesPerCpuSecond: number | undefined;
  /** Latency at half the knee (slow consumers: the others' latency over the whole run). */
  readonly p50: number | undefined;
  readonly p99: number | undefined;
  readonly kbPerConnection: number | undefined;
  readonly note: string;
  readonly detail: unknown;
}

/** A scenario against one running server. */
export type Scenario = (server: ServerUnderTest, log: (line: string) => void) => Promise<Row[]>;

/** A row with nothing measured yet. */
export function emptyRow(scenario: string, server: ServerKind): Row {
  return { scenario, server, knee: undefined, kneeIsLowerBound: false, deliveriesPerCpuSecond: undefined, p50: undefined, p99: undefined, kbPerConnection: undefined, note: '', detail: {} };
}
