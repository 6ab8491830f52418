import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { eventually, freePortWithBus, RedisProcess } from '@chat/testkit';

export const SENTINEL_NAME = 'mymaster';

/** A primary, one replica and three Sentinels (quorum 2) on loopback, owned by one test file. */
export interface LocalSentinelSet {
  readonly sentinels: ReadonlyArray<{ host: string; port: number }>;
  readonly name: string;
  /** The port of the primary the Sentinels report now. */
  primaryPort(): Promise<number>;
  client(port: number): Redis;
  kill(port: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startSentinelSet(): Promise<LocalSentinelSet> {
  const dir = mkdtempSync(join(tmpdir(), 'chat-redis-sentinel-'));
  const ports: number[] = [];
  while (ports.length < 5) {
    const port = await freePortWithBus();
    if (!ports.includes(port)) ports.push(port);
  }
  const [primary, replica, ...sentinelPorts] = ports as [number, number, number, number, number];
  const server = (port: number, extra: string[]): RedisProcess =>
    new RedisProcess({ port, args: ['--dir', dir, ...extra], cwd: dir });
  const processes = new Map<number, RedisProcess>([
    [primary, server(primary, [])],
    [replica, server(replica, ['--replicaof', '127.0.0.1', String(primary)])],
  ]);
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
    processes.set(port, new RedisProcess({ port, command: 'redis-sentinel', args: [config], cwd: dir }));
  }
  const clients = new Map<number, Redis>();
  const client = (port: number): Redis => {
    let existing = clients.get(port);
    if (!existing) {
      existing = new Redis({ host: '127.0.0.1', port, maxRetriesPerRequest: 1, retryStrategy: () => 200 });
      existing.on('error', () => undefined);
      clients.set(port, existing);
    }
    return existing;
  };
  const stop = async (): Promise<void> => {
    for (const connection of clients.values()) connection.disconnect();
    await Promise.all([...processes.values()].map((proc) => proc.kill()));
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await processes.get(primary)!.start();
    await processes.get(replica)!.start();
    await Promise.all(sentinelPorts.map((port) => processes.get(port)!.start()));
    await eventually(
      async () => {
        const info = (await client(replica).info('replication')) as string;
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
    primaryPort: async () => {
      const [, port] = (await client(sentinelPorts[0]).call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', SENTINEL_NAME)) as [string, string];
      return Number(port);
    },
    client,
    kill: async (port) => {
      clients.get(port)?.disconnect();
      clients.delete(port);
      await processes.get(port)?.kill();
    },
    stop,
  };
}
