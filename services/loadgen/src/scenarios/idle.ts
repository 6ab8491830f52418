import type { ServerUnderTest } from '../servers/types.js';
import { totalRssBytes } from '../util/proc-stats.js';
import { sleep } from '../util/wait.js';
import { CLIENTS_PER_GENERATOR, idleLayout } from './layout.js';
import { emptyRow, type Row } from './types.js';
import { withPool } from './with-pool.js';


/** Opens `requested` idle WebSockets and reports RSS and heap per connection of the server's node processes. */
export async function idleScenario(server: ServerUnderTest, requested: number, settleMs: number, log: (line: string) => void): Promise<Row> {
  const capacity = server.maxConnectionsPerNode * server.urls.length;
  const count = Math.min(requested, capacity);
  const capped = count < requested ? `capped at ${count} (RLIMIT_NOFILE 20000 per process, not raisable here)` : '';
  const generators = Math.max(2, Math.ceil(count / CLIENTS_PER_GENERATOR));
  return withPool(generators, async (pool) => {
    await sleep(settleMs);
    const rssBefore = totalRssBytes(server.nodePids());
    const redisPid = server.pids().filter((pid) => !server.nodePids().includes(pid));
    const redisBefore = totalRssBytes(redisPid);
    const heapBefore = await server.heapUsedBytes();
    const started = Date.now();
    const opened = await pool.open(idleLayout(server, count, generators), 100);
    const openMs = Date.now() - started;
    await sleep(settleMs);
    const rssAfter = totalRssBytes(server.nodePids());
    const redisAfter = totalRssBytes(redisPid);
    const heapAfter = await server.heapUsedBytes();
    const counts = await pool.counts();
    const n = Math.max(1, opened.ok);
    const kb = (rssAfter - rssBefore) / n / 1024;
    const heapKb = heapAfter !== undefined && heapBefore !== undefined ? (heapAfter - heapBefore) / n / 1024 : undefined;
    log(`  ${server.kind} idle ${opened.ok}/${count} open in ${openMs} ms: ${kb.toFixed(2)} KB RSS/conn, heap ${heapKb?.toFixed(2) ?? 'n/a'} KB/conn`);
    const failures = opened.failed > 0 ? `${opened.failed} failed to open: ${opened.firstErrors[0] ?? ''}` : '';
    return {
      ...emptyRow(`idle ${requested}`, server.kind),
      kbPerConnection: kb,
      note: [capped, failures, heapKb === undefined ? '' : `heap ${heapKb.toFixed(2)} KB/conn`].filter(Boolean).join('; '),
      detail: {
        requested,
        attempted: count,
        opened: opened.ok,
        failed: opened.failed,
        firstErrors: opened.firstErrors,
        openMs,
        rssBeforeBytes: rssBefore,
        rssAfterBytes: rssAfter,
        rssKbPerConnection: kb,
        heapBeforeBytes: heapBefore ?? null,
        heapAfterBytes: heapAfter ?? null,
        heapKbPerConnection: heapKb ?? null,
        redisRssDeltaBytes: redisAfter - redisBefore,
        violations: counts.violations,
        closes: counts.closes,
      },
    };
  });
}
