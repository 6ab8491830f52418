import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GeneratorPool } from '../../services/loadgen/src/gen/pool.js';
import { chatLayout, splitRate } from '../../services/loadgen/src/scenarios/layout.js';
import { measureStep } from '../../services/loadgen/src/scenarios/step.js';
import { startServer } from '../../services/loadgen/src/servers/index.js';
import { GATEWAY_MAIN } from '../../services/loadgen/src/servers/ours.js';
import type { ServerKind, ServerUnderTest } from '../../services/loadgen/src/servers/types.js';

// These tests check the harness's bookkeeping, never a speed: every figure asserted is a count.
const CLIENTS = 20;
const ROOM_SIZE = 10;
const RATE_PER_SEC = 20;
const DURATION_MS = 2000;

beforeAll(() => {
  if (!existsSync(GATEWAY_MAIN)) {
    const build = spawnSync('npx', ['tsc', '-b', 'services/core', 'services/gateway'], { stdio: 'inherit', timeout: 180_000 });
    if (build.status !== 0) throw new Error('could not build the gateway for the harness test');
  }
}, 200_000);

for (const kind of ['ours', 'ceiling'] satisfies ServerKind[]) {
  describe(`the load generator against ${kind}`, () => {
    let server: ServerUnderTest | undefined;
    let pool: GeneratorPool | undefined;

    beforeAll(async () => {
      server = await startServer(kind, { nodes: 2, nodeFlags: [] });
      pool = GeneratorPool.start(2);
    }, 60_000);

    afterAll(async () => {
      await pool?.stop();
      await server?.stop();
    }, 30_000);

    it('counts every delivery (sent × room size) and records one latency per delivery', async () => {
      if (!server || !pool) throw new Error('setup failed');
      const layout = chatLayout(server, CLIENTS, ROOM_SIZE, 2, `harness-${kind}-`);
      const opened = await pool.open(layout);
      expect(opened).toEqual({ ok: CLIENTS, failed: 0, firstErrors: [] });

      const step = await measureStep(server, pool, splitRate(RATE_PER_SEC, layout), DURATION_MS, ROOM_SIZE);

      expect(step.sent).toBe(Math.floor((DURATION_MS / 1000) * (RATE_PER_SEC / 2)) * 2);
      expect(step.acks).toBe(step.sent);
      expect(step.expected).toBe(step.sent * ROOM_SIZE);
      expect(step.received).toBe(step.expected);
      expect(step.deliveryRatio).toBe(1);
      expect(step.latency.count).toBe(step.received);
      expect(step.latency.p50).toBeGreaterThan(0);
      expect(step.latency.max).toBeGreaterThanOrEqual(step.latency.p99);
      expect(step.serverCpuSeconds).toBeGreaterThanOrEqual(0);
      expect(step.offsetGaps).toBe(0);
      expect(step.violations).toEqual([]);
      expect(step.errors).toEqual({});
      expect(server.deaths()).toEqual([]);
    }, 60_000);
  });
}
