import type { ServerUnderTest } from '../servers/types.js';
import { broadcastLayout } from './layout.js';
import { climb } from './ladder.js';
import { ladderRow } from './chat.js';
import type { Row } from './types.js';
import { withPool } from './with-pool.js';
import { waitForQuiet } from './quiet.js';

/** Sizes of the broadcast scenario. */
export interface BroadcastOptions {
  readonly clients: number;
  readonly generators: number;
  /** Sender rate of the first step (msg/s). */
  readonly startRate: number;
  readonly factor: number;
  readonly maxSteps: number;
  readonly stepMs: number;
}

/** One room of N clients and one sender at increasing rates. */
export async function broadcastScenario(server: ServerUnderTest, options: BroadcastOptions, log: (line: string) => void): Promise<Row> {
  const layout = broadcastLayout(server, options.clients, options.generators, `bcast-${server.kind}`);
  return withPool(options.generators, async (pool) => {
    const opened = await pool.open(layout);
    if (opened.failed > 0) throw new Error(`broadcast: ${opened.failed} clients failed to open: ${opened.firstErrors.join(' | ')}`);
    const quietAfterMs = await waitForQuiet(server);
    const result = await climb(server, pool, layout, { startRatePerSec: options.startRate, factor: options.factor, maxSteps: options.maxSteps, stepMs: options.stepMs, fanout: options.clients }, log);
    return ladderRow('broadcast', server, result, { options, quietAfterMs });
  });
}
