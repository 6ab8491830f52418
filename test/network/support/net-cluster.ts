import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { freePort, RedisProcess, requireProgram, type ManagedProcess } from '@chat/testkit';
import { GatewayNode } from '../../../scripts/cluster/gateway-node.js';
import { NginxProxy } from '../../../scripts/cluster/nginx-proxy.js';
import { DelayProxy, type DelayProfile } from './delay-proxy.js';
import { LinkFaults, removeLeftoverRules, requireIptables, type Endpoint } from './link-faults.js';

/**
 * The address gateway `index` (1-based) uses to reach Redis: Redis listens on one loopback alias
 * per gateway, so a rule on that address and port cuts exactly that gateway's Redis link.
 */
export const redisAliasOf = (index: number): string => `127.0.42.${10 + index}`;

/** Environment of every network-suite gateway: short heartbeats and TTLs so faults show quickly. */
export const netEnv = {
  RATE_SENDS_PER_SEC: '0',
  RATE_JOINS_PER_SEC: '0',
  MAX_CONNECTIONS_PER_IP: '0',
  PRESENCE_TTL_MS: '1500',
  DRAIN_TIMEOUT_MS: '3000',
  SSE_HEARTBEAT_MS: '1000',
  WS_HEARTBEAT_MS: '1000',
  BROKER_LOSS_GRACE_MS: '1000',
  BROKER_LOSS_SPREAD_MS: '1500',
  LOG_LEVEL: 'warn',
} as const;

export interface NetClusterOptions {
  readonly gateways?: number;
  readonly env?: Readonly<Record<string, string>>;
  /** Put a delaying relay on one gateway's Redis link (1-based index). */
  readonly delayed?: { readonly node: number; readonly profile: DelayProfile };
}

/** Redis, gateways and nginx on loopback, each gateway⇄Redis and nginx⇄gateway link cuttable on its own. */
export interface NetCluster {
  /** nginx's base URL. */
  readonly url: string;
  readonly nodes: readonly GatewayNode[];
  readonly faults: LinkFaults;
  readonly delayProxy: DelayProxy | undefined;
  /** What gateway `index` (1-based) connects to for Redis. */
  redisLink(index: number): Endpoint;
  /** What nginx connects to for gateway `index` (1-based). */
  nginxLink(index: number): Endpoint;
  /** A plain client on Redis's main address, for INFO and assertions. */
  redis(): Redis;
  logs(): string;
  unexpectedExits(): Array<{ name: string; exit: unknown }>;
  stop(): Promise<void>;
}

/** Starts the test bed; removes rules left by dead earlier runs first. Fails loudly without iptables. */
export async function startNetCluster(options: NetClusterOptions = {}): Promise<NetCluster> {
  const { gateways = 3, env = {} } = options;
  requireIptables();
  requireProgram('nginx');
  requireProgram('redis-server');
  removeLeftoverRules();
  const faults = new LinkFaults();
  const healOnExit = (): void => faults.healAll();
  process.once('exit', healOnExit);

  const tempDir = await mkdtemp(join(tmpdir(), 'chat-net-'));
  const redisPort = await freePort();
  const aliases = Array.from({ length: gateways }, (_, i) => redisAliasOf(i + 1));
  // The later --bind replaces the default loopback-only one.
  const redisServer = new RedisProcess({ port: redisPort, args: ['--bind', ['127.0.0.1', ...aliases].join(' ')] });
  const links = new Map<number, Endpoint>(aliases.map((host, i) => [i + 1, { host, port: redisPort }]));
  let delayProxy: DelayProxy | undefined;
  if (options.delayed) {
    const host = redisAliasOf(options.delayed.node);
    delayProxy = new DelayProxy({ host, port: await freePort() }, { host: '127.0.0.1', port: redisPort }, options.delayed.profile);
    links.set(options.delayed.node, delayProxy.listen);
  }
  const nodes: GatewayNode[] = [];
  for (let index = 1; index <= gateways; index++) {
    const port = await freePort();
    const link = links.get(index);
    const nodeEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), HOST: '127.0.0.1', NODE_ID: `gateway-${index}`, REDIS_URL: `redis://${link?.host}:${link?.port}`, ...netEnv, ...env };
    delete nodeEnv.NODE_OPTIONS;
    nodes.push(new GatewayNode({ id: `gateway-${index}`, port, env: nodeEnv }));
  }
  const nginx = new NginxProxy(join(tempDir, 'nginx'), await freePort(), nodes.map((node) => ({ host: '127.0.0.1', port: node.port })));
  const clients: Redis[] = [];
  const processes = (): ManagedProcess[] => [redisServer.process, ...nodes.map((node) => node.process), ...(nginx.managed ? [nginx.managed] : [])];

  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    faults.healAll();
    process.off('exit', healOnExit);
    for (const client of clients) client.disconnect();
    await nginx.stop();
    await Promise.all(nodes.map((node) => node.stop()));
    await delayProxy?.stop();
    await redisServer.stop();
    await rm(tempDir, { recursive: true, force: true });
  };
  const logs = (): string => processes().map((proc) => proc.report()).join('\n');
  try {
    await redisServer.start();
    await delayProxy?.start();
    await Promise.all(nodes.map((node) => node.start()));
    await nginx.start();
  } catch (error) {
    const report = logs();
    await stop();
    throw new Error(`the network test bed did not start: ${error instanceof Error ? error.message : String(error)}\n${report}`, { cause: error });
  }
  const nodeAt = (index: number): GatewayNode => {
    const node = nodes[index - 1];
    if (!node) throw new Error(`no gateway ${index}`);
    return node;
  };
  return {
    url: nginx.url,
    nodes,
    faults,
    delayProxy,
    redisLink: (index) => {
      const link = links.get(index);
      if (!link) throw new Error(`no gateway ${index}`);
      return link;
    },
    nginxLink: (index) => ({ host: '127.0.0.1', port: nodeAt(index).port }),
    redis: () => {
      const client = new Redis({ host: '127.0.0.1', port: redisPort, maxRetriesPerRequest: 1 });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    logs,
    unexpectedExits: () => processes().flatMap((proc) => proc.unexpectedExits.map((exit) => ({ name: proc.name, exit }))),
    stop,
  };
}
