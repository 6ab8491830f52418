import { existsSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeError, freePort, RedisProcess, requireProgram, type ManagedProcess, type ProcessExit } from '@chat/testkit';
import { GatewayNode, gatewayMain, repoRoot } from './gateway-node.js';
import { NginxProxy } from './nginx-proxy.js';

export { GatewayNode } from './gateway-node.js';

export interface LocalClusterOptions {
  /** Number of gateway processes (default 3). */
  readonly gateways?: number;
  /** Extra environment for every gateway (overrides the defaults below). */
  readonly env?: Readonly<Record<string, string>>;
  /** Start a redis-server (default). Without it the gateways run the embedded broker, each alone. */
  readonly redis?: boolean;
  /** Redis keeps an append-only file in the temp dir (`appendfsync everysec`): a restart keeps every room. */
  readonly redisAof?: boolean;
  /** nginx's port; default a free one. */
  readonly nginxPort?: number;
  /** The gateway entry point, relative to the repository root (default services/gateway/dist/main.js). */
  readonly gatewayMain?: string;
}

/** A running redis + gateways + nginx, all on 127.0.0.1. */
export interface LocalCluster {
  /** nginx's base URL, e.g. http://127.0.0.1:41234 */
  readonly url: string;
  readonly nodes: readonly GatewayNode[];
  readonly redis: RedisProcess | undefined;
  readonly tempDir: string;
  /** Every process's recent output, for a failure report. */
  logs(): string;
  /** Exits that nobody requested (crashes), by process name. */
  unexpectedExits(): Array<{ name: string; exit: ProcessExit }>;
  /** Stops nginx, the gateways and redis, and removes the temp dir. Safe to call twice. */
  stop(): Promise<void>;
}

/** Starts redis-server, N gateways and nginx with infra/nginx's config; resolves once all are ready. */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const { gateways = 3, env = {}, redis: withRedis = true, gatewayMain: main = gatewayMain } = options;
  if (gateways < 1) throw new Error('a cluster needs at least one gateway');
  requireProgram('nginx');
  if (withRedis) requireProgram('redis-server');
  if (!existsSync(join(repoRoot, main))) {
    throw new Error(`${main} is missing: run \`npm run build\` first`);
  }

  const tempDir = await mkdtemp(join(tmpdir(), 'chat-cluster-'));
  // Children are killed by ManagedProcess's exit hook; the temp dir goes with them.
  const removeTempDir = (): void => rmSync(tempDir, { recursive: true, force: true });
  process.once('exit', removeTempDir);
  const aof = options.redisAof === true ? ['--appendonly', 'yes', '--appendfsync', 'everysec', '--dir', tempDir] : [];
  const redis = withRedis ? new RedisProcess({ port: await freePort(), args: aof }) : undefined;
  const nodes: GatewayNode[] = [];
  for (let index = 1; index <= gateways; index++) {
    const port = await freePort();
    const nodeEnv: NodeJS.ProcessEnv = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      NODE_ID: `gateway-${index}`,
      LOG_LEVEL: 'warn',
      // nginx reaches the gateways over loopback: its X-Forwarded-For, and only its, is believed.
      TRUSTED_PROXIES: '127.0.0.0/8',
      ...(redis ? { REDIS_URL: redis.url } : {}),
      ...env,
    };
    // The parent's tsx loader must not leak into plain node children.
    delete nodeEnv.NODE_OPTIONS;
    if (!redis) delete nodeEnv.REDIS_URL;
    nodes.push(new GatewayNode({ id: `gateway-${index}`, port, env: nodeEnv, main }));
  }
  const nginx = new NginxProxy(
    join(tempDir, 'nginx'),
    options.nginxPort ?? (await freePort()),
    nodes.map((node) => ({ host: '127.0.0.1', port: node.port })),
  );

  const processes = (): ManagedProcess[] => [
    ...(redis ? [redis.process] : []),
    ...nodes.map((node) => node.process),
    ...(nginx.managed ? [nginx.managed] : []),
  ];
  let stopped = false;
  const stop = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await nginx.stop();
    await Promise.all(nodes.map((node) => node.stop()));
    await redis?.stop();
    await rm(tempDir, { recursive: true, force: true });
    process.off('exit', removeTempDir);
  };
  const logs = (): string => processes().map((proc) => proc.report()).join('\n');

  try {
    await redis?.start();
    await Promise.all(nodes.map((node) => node.start()));
    await nginx.start();
  } catch (error) {
    const report = logs();
    await stop();
    throw new Error(`the local cluster did not start: ${describeError(error)}\n${report}`, { cause: error });
  }

  return {
    url: nginx.url,
    nodes,
    redis,
    tempDir,
    logs,
    unexpectedExits: () => processes().flatMap((proc) => proc.unexpectedExits.map((exit) => ({ name: proc.name, exit }))),
    stop,
  };
}
