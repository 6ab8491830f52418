import { describe, expect, it } from 'vitest';
import { reportFigures } from '../e2e/support/cluster-fixture.js';
import { defaultStorm, runStorm } from '../../services/loadgen/src/scenarios/storm.js';

/** Scaled for CI; `npm run bench:storm` runs the full 10,000. */
const CLIENTS = Number(process.env.NET_STORM_CLIENTS ?? 1000);

describe('reconnect storm', () => {
  it(`${CLIENTS} WebSocket clients of a gateway killed with SIGKILL all resume through nginx on the others, nothing lost`, { timeout: 120_000 }, async () => {
    const result = await runStorm({ ...defaultStorm, clients: CLIENTS, backoffCapMs: 5_000 });
    reportFigures('reconnect-storm', { ...result });
    expect(result.resumedOn[result.victim]).toBeUndefined();
    expect(result.resumeAllMs).toBeLessThan(30_000);
    expect(result.messages).toBeGreaterThan(0);
    expect(result).toMatchObject({ lost: 0, duplicates: 0, outOfOrder: 0, gaps: 0, unexpectedExits: 0, brokerLossLogLines: 0 });
    expect(result.peakRedisCommandsPerSec).toBeGreaterThan(0);
  });
});
