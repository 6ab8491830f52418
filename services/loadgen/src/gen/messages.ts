import type { WireProtocol } from '../servers/types.js';

/** One simulated client: where it connects, which room it joins, what it does. */
export interface ClientSpec {
  readonly url: string;
  readonly protocol: WireProtocol;
  readonly room: string;
  /** Sends messages during `run`. */
  readonly sender: boolean;
  /** Stops reading (pauses its socket) right after joining: a slow consumer. */
  readonly slow: boolean;
  /** Only connect and wait for the welcome, join nothing (idle scenario; `join` joins `room` later). */
  readonly idle: boolean;
  /** Source address to connect from (several 127.0.0.x multiply the ephemeral ports). */
  readonly localAddress?: string;
}

/** Main → generator. */
export type Command =
  | { readonly kind: 'open'; readonly clients: readonly ClientSpec[]; readonly concurrency: number }
  | { readonly kind: 'run'; readonly ratePerSec: number; readonly durationMs: number; readonly pad: string }
  | { readonly kind: 'counts' }
  /** Idle clients join their room now. */
  | { readonly kind: 'join'; readonly concurrency: number }
  /** Every sender sends one message now. */
  | { readonly kind: 'burst'; readonly pad: string }
  | { readonly kind: 'resume' }
  | { readonly kind: 'report' }
  | { readonly kind: 'close' };

/** Counters a generator keeps since its last `report`. */
export interface Counts {
  /** Sends written during runs. */
  readonly sent: number;
  /** Acks received for sends. */
  readonly acks: number;
  /** Message frames received by clients that are not slow. */
  readonly received: number;
  /** Message frames whose offset was not the previous one + 1 (JSON protocol). */
  readonly offsetGaps: number;
  /** `error` frames received, by code. */
  readonly errors: Readonly<Record<string, number>>;
  /** Connections closed by the server, by close code. */
  readonly closes: Readonly<Record<string, number>>;
  /** Frames that broke the protocol as the harness expects it (first few, verbatim). */
  readonly violations: readonly string[];
  /** Worst latency (ms) per 500 ms since the last report, by arrival time. */
  readonly worstByHalfSecond: readonly number[];
}

/** Generator → main. */
export type Reply =
  | { readonly kind: 'opened'; readonly ok: number; readonly failed: number; readonly firstErrors: readonly string[] }
  | { readonly kind: 'ran'; readonly sent: number; readonly lagMs: number }
  | { readonly kind: 'counts'; readonly counts: Counts }
  | { readonly kind: 'report'; readonly counts: Counts; readonly histogram: string }
  | { readonly kind: 'resumed'; readonly count: number }
  | { readonly kind: 'closed' }
  | { readonly kind: 'failed'; readonly error: string };
