import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { eventually, freePortsWithBus, RedisGroup } from '@chat/testkit';

export const SENTINEL_NAME = 'mymaster';

/** A primary, one replica and three Sentinels (quorum 2) on loopback, owned by one test file. */
export interface LocalSentinelSet {
  readonly sentinels: ReadonlyArray<{ host: string; port: number }>;
  readonly name: string;
  /** The ports of the primary and the replica as started. */
  readonly dataPorts: readonly number[];
  /** The port of the primary the Sentinels report now. */
  primaryPort(): Promise<number>;
  client(port: number): Redis;
  kill(port: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * `alsoBind`: loopback addresses the primary and the replica listen on besides 127.0.0.1 (the
 * address the Sentinels announce), so a client NAT-mapped there has a link of its own to cut.
 */
export async function startSentinelSet({ alsoBind = [] }: { alsoBind?: readonly string[] } = {}): Promise<LocalSentinelSet> {
  const group = new RedisGroup('redis-sentinel');
  const { dir } = group;
  const [primary, replica, ...sentinelPorts] = (await freePortsWithBus(5)) as [number, number, number, number, number];
  // The later --bind replaces the default loopback-only one.
  const bind = alsoBind.length > 0 ? ['--bind', ['127.0.0.1', ...alsoBind].join(' ')] : [];
  group.add(primary, { args: bind });
  group.add(replica, { args: ['--replicaof', '127.0.0.1', String(primary), ...bind] });
  for (const port of sentinelPorts) {
    const config = join(dir, `sentinel-${port}.conf`);
    writeFileSync(
      config,
      [
        `port ${port}`,
        'bind 127.0.0.1',
        'protected-mode no',
        `dir ${dir}`,
        `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primary} 2`,
        `sentinel down-after-milliseconds ${SENTINEL_NAME} 1000`,
        `sentinel failover-timeout ${SENTINEL_NAME} 5000`,
        `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
        '',
      ].join('\n'),
    );
    group.add(port, { command: 'redis-sentinel', args: [config] });
  }
  const client = (port: number): Redis => group.client(port);
  const stop = (): Promise<void> => group.stop();
  try {
    await group.start([primary]);
    await group.start([replica]);
    await group.start(sentinelPorts);
    await eventually(
      async () => {
        const info = await client(replica).info('replication');
        if (!info.includes('master_link_status:up')) return false;
        for (const port of sentinelPorts) {
          const others = (await client(port).call('SENTINEL', 'SENTINELS', SENTINEL_NAME)) as unknown[];
          const replicas = (await client(port).call('SENTINEL', 'REPLICAS', SENTINEL_NAME)) as unknown[];
          if (others.length < 2 || replicas.length < 1) return false;
        }
        return true;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'sentinels that know the replica and each other' },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    sentinels: sentinelPorts.map((port) => ({ host: '127.0.0.1', port })),
    name: SENTINEL_NAME,
    dataPorts: [primary, replica],
    primaryPort: async () => {
      const [, port] = (await client(sentinelPorts[0]).call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME)) as [string, string];
      return Number(port);
    },
    client,
    kill: (port) => group.kill(port),
    stop,
  };
}
