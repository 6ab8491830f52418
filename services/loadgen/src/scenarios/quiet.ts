import type { ServerUnderTest } from '../servers/types.js';
import { totalCpuSeconds } from '../util/proc-stats.js';
import { sleep } from '../util/wait.js';

const SAMPLE_MS = 500;
const QUIET_SHARE = 0.05;

/**
 * Waits until the server processes use under 5 % of a core (or `maxMs` passes): the work a burst of
 * joins leaves behind (presence fan-out, subscriptions) must not be billed to the first step.
 * Returns how long it waited.
 */
export async function waitForQuiet(server: ServerUnderTest, maxMs = 15_000): Promise<number> {
  const started = Date.now();
  const pids = server.pids();
  while (Date.now() - started < maxMs) {
    const before = totalCpuSeconds(pids);
    await sleep(SAMPLE_MS);
    if (totalCpuSeconds(pids) - before < (QUIET_SHARE * SAMPLE_MS) / 1000) break;
  }
  return Date.now() - started;
}
