import { RedisStatsReader } from '../checks/redis-commandstats.js';
import type { ServerUnderTest } from '../servers/types.js';
import { totalRssBytes } from '../util/proc-stats.js';
import { measureIdleWindow } from './idle-window.js';
import { idleRoomsLayout } from './layout.js';
import { emptyRow, type Row } from './types.js';
import { withPool } from './with-pool.js';
import { waitForQuiet } from './quiet.js';

/** Sizes of the idle-cost scenario (issue 22). */
export interface IdleCostOptions {
  readonly members: number;
  readonly rooms: number;
  readonly windowMs: number;
}

/**
 * `--scenario idle-cost` (ours, one gateway): what idle members cost the shared Redis and their
 * node. A window with no clients first (the node's own timers), then `members` WebSockets join
 * `rooms` rooms and stay silent: Redis commands/s (scripts' inner commands counted), Redis CPU and
 * the node's CPU per member over the empty-node window.
 */
export async function idleCostScenario(server: ServerUnderTest, options: IdleCostOptions, log: (line: string) => void): Promise<Row> {
  const roomSize = Math.ceil(options.members / options.rooms);
  const layout = idleRoomsLayout(server, options.members, roomSize, 'idlecost-');
  const redis = RedisStatsReader.open(server.redisPort);
  try {
    return await withPool(layout.length, async (pool) => {
      const empty = await measureIdleWindow(server, redis, options.windowMs);
      const rssBefore = totalRssBytes(server.nodePids());
      const opened = await pool.open(layout, 100);
      const joined = await pool.join(100);
      if (opened.failed > 0 || joined.failed > 0) throw new Error(`idle-cost: ${opened.failed} failed to open, ${joined.failed} to join: ${[...opened.firstErrors, ...joined.firstErrors].join(' | ')}`);
      const quietAfterMs = await waitForQuiet(server, 30_000);
      const members = joined.ok;
      const idle = await measureIdleWindow(server, redis, options.windowMs);
      const kbPerMember = (totalRssBytes(server.nodePids()) - rssBefore) / members / 1024;
      const nodeMicrosPerMemberSecond = ((idle.nodeCores - empty.nodeCores) / members) * 1e6;
      const note = [
        `${members} idle members in ${options.rooms} rooms on one gateway`,
        `Redis ${Math.round(idle.redisCommandsPerSec)} commands/s (${Math.round(idle.redisScriptsPerSec)} scripts/s; empty node ${Math.round(empty.redisCommandsPerSec)}), ${(idle.redisCores * 1000).toFixed(1)} ms Redis CPU/s`,
        `node ${(idle.nodeCores * 1000).toFixed(1)} ms CPU/s (empty ${(empty.nodeCores * 1000).toFixed(1)}) = ${nodeMicrosPerMemberSecond.toFixed(2)} µs CPU per member-second`,
      ].join('; ');
      log(`  idle-cost: ${note}`);
      return {
        ...emptyRow('idle-cost', server.kind),
        kbPerConnection: kbPerMember,
        note,
        detail: { options, members, quietAfterMs, empty, idle, nodeMicrosPerMemberSecond, kbRssPerMember: kbPerMember },
      };
    });
  } finally {
    redis?.close();
  }
}
