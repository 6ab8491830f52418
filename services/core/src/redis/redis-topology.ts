import { Cluster, Redis, type RedisOptions } from 'ioredis';
import { defineChatScripts, UNPIPELINED_SCRIPTS, type ChatScripts } from './scripts.js';
import { ClusterProbe } from './cluster-probe.js';
import { defaultLinkTimeouts, LinkWatchdog, type LinkTimeouts } from './link-watchdog.js';
import { silentLogger, type EngineLogger } from '../logger.js';

/** A host and port of a Redis server or Sentinel. */
export interface RedisAddress {
  readonly host: string;
  readonly port: number;
}

/** Addresses a Redis Cluster or the Sentinels announce (`host:port`) → where this node reaches them (NAT, Docker, per-node aliases). */
export type NatMap = Readonly<Record<string, RedisAddress>>;

/** Where the broker's Redis lives: one server, a Redis Cluster, or a Sentinel-managed primary. */
export type RedisTopology =
  | { readonly mode: 'single'; readonly url: string }
  | { readonly mode: 'cluster'; readonly nodes: readonly RedisAddress[]; readonly natMap?: NatMap }
  | { readonly mode: 'sentinel'; readonly sentinels: readonly RedisAddress[]; readonly name: string; readonly natMap?: NatMap };

/** ioredis's own (mutable) form of a NAT map, or nothing. */
function natOption(natMap: NatMap | undefined): { natMap?: Record<string, { host: string; port: number }> } {
  return natMap ? { natMap: Object.fromEntries(Object.entries(natMap).map(([key, { host, port }]) => [key, { host, port }])) } : {};
}

export type ChatCommands = (Redis | Cluster) & ChatScripts;

/**
 * The two connections of a node (commands, subscriber) and how pub/sub works on them: plain
 * PUBLISH/SUBSCRIBE on one server (or its Sentinel-managed primary), sharded SPUBLISH/SSUBSCRIBE
 * on a Redis Cluster. A gateway node opens one and its broker, cursor store and Pusher backend
 * share it: each listener gets every channel's messages and skips the channels that are not its
 * own, and each user subscribes its own channels again after a reconnect. `connect` and `close`
 * act once, whoever calls them; the one who opened the connections closes them, last.
 */
export interface RedisConnections {
  readonly commands: ChatCommands;
  readonly publishCommand: 'PUBLISH' | 'SPUBLISH';
  /**
   * Publishes whose room channels give the same group may share one script call: on one server
   * all of them; on a cluster those of one room (one slot).
   */
  publishGroupOf(roomChannel: string): string;
  /** For logs, without credentials. */
  readonly label: string;
  /** Opens both connections (once; later calls do nothing). */
  connect(): void;
  /** Both connections can serve (and, on a cluster, every slot's master answers). */
  isReady(): boolean;
  /** Called whenever readiness may have changed. */
  onChange(listener: () => void): void;
  onMessage(listener: (channel: string, payload: string) => void): void;
  /** Called when subscriptions were re-established under the users (a cluster shard's subscriber replaced). */
  onResubscribed(listener: () => void): void;
  subscribe(channels: readonly string[]): Promise<void>;
  unsubscribe(channel: string): Promise<void>;
  /** Closes both (the first call; later calls get the same promise). */
  close(graceful: boolean): Promise<void>;
}

const baseOptions: RedisOptions = {
  lazyConnect: true,
  enableOfflineQueue: false,
  maxRetriesPerRequest: 0,
  connectTimeout: 2000,
  retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1000),
};

/** What becomes of a connection's errors and of a link the watchdog found silent: warnings in the log. */
interface LinkLog {
  readonly error: (role: string, error: Error) => void;
  readonly silent: (role: string, waitedMs: number) => void;
}

function linkLog(logger: EngineLogger): LinkLog {
  return {
    error: (role, error) => logger.warn({ role, err: error.message }, 'redis connection error'),
    silent: (role, waitedMs) => logger.warn({ role, waitedMs }, 'redis link silent: no PONG in time; reconnecting'),
  };
}

/**
 * Creates (unopened until `connect`) the commands and subscriber connections for a topology,
 * named `chat-<nodeId>` and `chat-<nodeId>-sub` (CLIENT SETNAME). On one server or a
 * Sentinel-managed primary, a command fails after `link.timeoutMs` instead of hanging on a silent
 * link, and a watchdog drops a connection that stops answering PING; both are logged to `logger`.
 */
export function connectTopology(topology: RedisTopology, nodeId: string, link: LinkTimeouts = defaultLinkTimeouts, logger: EngineLogger = silentLogger): RedisConnections {
  return actingOnce(openTopology(topology, nodeId, link, linkLog(logger)));
}

/** `connect` and `close` take effect once, so every user of shared connections may call them. */
function actingOnce(connections: RedisConnections): RedisConnections {
  let opened = false;
  let closing: Promise<void> | undefined;
  return {
    ...connections,
    connect: () => {
      if (opened || closing) return;
      opened = true;
      connections.connect();
    },
    close: (graceful) => (closing ??= connections.close(graceful)),
  };
}

function openTopology(topology: RedisTopology, nodeId: string, link: LinkTimeouts, log: LinkLog): RedisConnections {
  if (topology.mode === 'cluster') return clusterConnections(topology.nodes, topology.natMap, nodeId, link, log);
  const options = (suffix: string): RedisOptions => ({
    ...baseOptions,
    connectionName: `chat-${nodeId}${suffix}`,
    ...(link.timeoutMs > 0 ? { commandTimeout: link.timeoutMs } : {}),
  });
  if (topology.mode === 'single') {
    return serverConnections(
      new Redis(topology.url, { ...options(''), enableAutoPipelining: true, autoPipeliningIgnoredCommands: [...UNPIPELINED_SCRIPTS.server] }),
      new Redis(topology.url, { ...options('-sub'), autoResubscribe: false }),
      topology.url.replace(/\/\/[^@/]*@/, '//***@'),
      link,
      log,
    );
  }
  const sentinel = (suffix: string): RedisOptions => ({
    ...options(suffix),
    sentinels: topology.sentinels.map(({ host, port }) => ({ host, port })),
    name: topology.name,
    sentinelRetryStrategy: (attempt) => Math.min(100 * attempt, 1000),
    // Sentinel pushes +switch-master, so a demoted-but-alive primary is left at once.
    failoverDetector: true,
    ...natOption(topology.natMap),
  });
  return serverConnections(
    new Redis({ ...sentinel(''), enableAutoPipelining: true, autoPipeliningIgnoredCommands: [...UNPIPELINED_SCRIPTS.server] }),
    new Redis({ ...sentinel('-sub'), autoResubscribe: false }),
    `sentinel ${topology.name} via ${topology.sentinels.map(({ host, port }) => `${host}:${port}`).join(',')}`,
    link,
    log,
  );
}

function serverConnections(commandsConnection: Redis, subscriber: Redis, label: string, link: LinkTimeouts, log: LinkLog): RedisConnections {
  const commands = defineChatScripts(commandsConnection);
  const both = [['commands', commandsConnection], ['subscriber', subscriber]] as const;
  for (const [role, connection] of both) connection.on('error', (error: Error) => log.error(role, error));
  const watchdog = new LinkWatchdog(() => both, link, log.silent);
  return {
    commands,
    publishCommand: 'PUBLISH',
    publishGroupOf: () => '',
    label,
    connect: () => {
      for (const [, connection] of both) connection.connect().catch(() => undefined);
      watchdog.start();
    },
    isReady: () => commandsConnection.status === 'ready' && subscriber.status === 'ready',
    onChange: (listener) => {
      for (const [, connection] of both) {
        connection.on('ready', listener);
        connection.on('close', listener);
      }
    },
    onMessage: (listener) => void subscriber.on('message', listener),
    // Each user resubscribes its own channels after 'ready' (autoResubscribe is off).
    onResubscribed: () => undefined,
    subscribe: async (channels) => {
      if (subscriber.status !== 'ready') throw new Error('subscriber not ready');
      await subscriber.subscribe(...channels);
    },
    unsubscribe: async (channel) => {
      if (subscriber.status !== 'ready') return;
      await subscriber.unsubscribe(channel).catch(() => undefined);
    },
    close: async (graceful) => {
      watchdog.stop();
      if (graceful) await Promise.allSettled([commandsConnection.quit(), subscriber.quit()]);
      commandsConnection.disconnect();
      subscriber.disconnect();
    },
  };
}

function clusterConnections(nodes: readonly RedisAddress[], natMap: NatMap | undefined, nodeId: string, link: LinkTimeouts, log: LinkLog): RedisConnections {
  const seeds = nodes.map(({ host, port }) => ({ host, port }));
  // As on one server: a command on a silent shard fails after the timeout instead of hanging.
  const redisOptions = { connectTimeout: 2000, maxRetriesPerRequest: 0, ...(link.timeoutMs > 0 ? { commandTimeout: link.timeoutMs } : {}) };
  const nat = natOption(natMap);
  const clusterRetryStrategy = (attempt: number): number => Math.min(100 * attempt, 1000);
  const commandsCluster = new Cluster(seeds, {
    lazyConnect: true,
    enableOfflineQueue: false,
    enableAutoPipelining: true,
    autoPipeliningIgnoredCommands: [...UNPIPELINED_SCRIPTS.cluster],
    clusterRetryStrategy,
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    slotsRefreshInterval: 1000,
    redisOptions: { ...redisOptions, connectionName: `chat-${nodeId}` },
    ...nat,
  });
  // One connection per master that owns a slot of a room this node serves (ioredis ShardedSubscriber).
  const subscriber = new Cluster(seeds, {
    lazyConnect: true,
    shardedSubscribers: true,
    clusterRetryStrategy,
    slotsRefreshInterval: 1000,
    redisOptions: { ...redisOptions, connectionName: `chat-${nodeId}-sub` },
    ...nat,
  });
  const commands = defineChatScripts(commandsCluster);
  const probe = new ClusterProbe(commandsCluster);
  const clusters = [['commands', commandsCluster], ['subscriber', subscriber]] as const;
  for (const [role, cluster] of clusters) {
    cluster.on('error', (error: Error) => log.error(role, error));
    cluster.on('nodeError', (error: Error, key: string) => log.error(`${role} ${key}`, error));
  }
  // The probe turns readiness off when a shard stops answering; the watchdog drops each silent
  // node connection, so ioredis connects it again (at its next slots refresh) once the link is back.
  const watchdog = new LinkWatchdog(
    () => clusters.flatMap(([role, cluster]) => cluster.nodes('all').map((node) => [`${role} ${node.options.host}:${node.options.port}`, node] as const)),
    link,
    log.silent,
  );
  return {
    commands,
    publishCommand: 'SPUBLISH',
    publishGroupOf: (roomChannel) => roomChannel,
    label: `cluster ${seeds.map(({ host, port }) => `${host}:${port}`).join(',')}`,
    connect: () => {
      for (const [, cluster] of clusters) cluster.connect().catch(() => undefined);
      probe.start();
      watchdog.start();
    },
    isReady: () => commandsCluster.status === 'ready' && subscriber.status === 'ready' && probe.healthy,
    onChange: (listener) => {
      for (const [, cluster] of clusters) {
        cluster.on('ready', listener);
        cluster.on('close', listener);
      }
      probe.onChange(listener);
    },
    onMessage: (listener) => void subscriber.on('smessage', listener),
    // A shard's subscriber was replaced (failover, slot move): messages may have been missed meanwhile.
    onResubscribed: (listener) => void subscriber.on('subscribersReady', listener),
    subscribe: async (channels) => {
      if (subscriber.status !== 'ready') throw new Error('subscriber not ready');
      // ioredis routes SSUBSCRIBE by slot, so rooms of different slots go one by one.
      await Promise.all(channels.map((channel) => subscriber.ssubscribe(channel)));
    },
    unsubscribe: async (channel) => {
      if (subscriber.status !== 'ready') return;
      await subscriber.sunsubscribe(channel).catch(() => undefined);
    },
    close: async (graceful) => {
      probe.stop();
      watchdog.stop();
      if (graceful) await Promise.allSettled([commandsCluster.quit(), subscriber.quit()]);
      commandsCluster.disconnect();
      subscriber.disconnect();
    },
  };
}
