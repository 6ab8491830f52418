import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import type { Redis } from 'ioredis';
import { freePortsWithBus, RedisGroup } from './redis-group.js';
import { eventually } from './wait.js';

/** A 3-master / 3-replica Redis Cluster on loopback, owned by one test file. */
export interface LocalRedisCluster {
  readonly nodes: ReadonlyArray<{ host: string; port: number }>;
  /** A plain connection to one node, closed by stop(). */
  client(port: number): Redis;
  /** The port of the master that owns a key's slot now. */
  masterOf(key: string): Promise<number>;
  /** The port of a master's replica. */
  replicaOf(masterPort: number): Promise<number>;
  masterPorts(): Promise<number[]>;
  kill(port: number): Promise<void>;
  /** Starts a killed node again, empty; it rejoins the cluster from its nodes.conf. */
  restart(port: number): Promise<void>;
  waitHealthy(timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisClusterOptions {
  /**
   * Loopback addresses every node listens on besides 127.0.0.1 (the address it announces). A
   * client told to reach the nodes there (a NAT map) has links of its own, which an iptables rule
   * on one address and port cuts without touching anyone else's.
   */
  readonly alsoBind?: readonly string[];
}

export async function startRedisCluster({ alsoBind = [] }: RedisClusterOptions = {}): Promise<LocalRedisCluster> {
  const group = new RedisGroup('redis-cluster');
  const ports = await freePortsWithBus(6);
  // The later --bind replaces the default loopback-only one.
  const bind = alsoBind.length > 0 ? ['--bind', ['127.0.0.1', ...alsoBind].join(' ')] : [];
  for (const port of ports) {
    group.add(port, { args: ['--cluster-enabled', 'yes', '--cluster-config-file', join(group.dir, `nodes-${port}.conf`), '--cluster-node-timeout', '1000', ...bind] });
  }
  const client = (port: number): Redis => group.client(port);
  const stop = (): Promise<void> => group.stop();
  try {
    await group.start(ports);
    const create = spawnSync('redis-cli', ['--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8', timeout: 30_000 });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create failed: ${create.stdout}${create.stderr}`);
  } catch (error) {
    await stop();
    throw error;
  }
  const running = (): number[] => group.running();
  const slotOwners = async (): Promise<Array<[number, number, number, number | undefined]>> => {
    const from = running()[0];
    if (from === undefined) return [];
    const slots = await client(from).cluster('SLOTS');
    return slots.map(([start, end, master, replica]) => [start, end, master?.[1] ?? 0, replica?.[1]]);
  };
  const waitHealthy = async (timeoutMs = 20_000): Promise<void> => {
    await eventually(
      async () => {
        for (const port of running()) {
          const info = await client(port).cluster('INFO');
          if (!info.includes('cluster_state:ok')) return false;
        }
        // Every slot range has a master and a replica, and every node agrees with the first.
        const owners = await slotOwners();
        return owners.length > 0 && owners.every(([, , , replica]) => replica !== undefined);
      },
      { timeoutMs, intervalMs: 100, what: 'cluster_state:ok on every node' },
    );
  };
  const cluster: LocalRedisCluster = {
    nodes: ports.map((port) => ({ host: '127.0.0.1', port })),
    client,
    masterOf: async (key) => {
      const slot = Number(await client(running()[0]!).cluster('KEYSLOT', key));
      const owner = (await slotOwners()).find(([start, end]) => slot >= start && slot <= end);
      if (!owner) throw new Error(`no owner for slot ${slot}`);
      return owner[2];
    },
    replicaOf: async (masterPort) => {
      const owner = (await slotOwners()).find(([, , master]) => master === masterPort);
      if (owner?.[3] === undefined) throw new Error(`no replica of ${masterPort}`);
      return owner[3];
    },
    masterPorts: async () => [...new Set((await slotOwners()).map(([, , master]) => master))],
    kill: (port) => group.kill(port),
    restart: (port) => group.restart(port),
    waitHealthy,
    stop,
  };
  try {
    await waitHealthy(30_000);
  } catch (error) {
    await stop();
    throw error;
  }
  return cluster;
}
