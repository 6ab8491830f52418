import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';
import { RedisProcess } from './redis-process.js';

/** A Redis server owned by one test suite or run: never the machine's shared instance. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** A plain client for assertions (PUBSUB NUMSUB, raw commands), disconnected by stop(). */
  client(): Redis;
  /** SIGKILL: the data is gone, clients see the connection drop. */
  kill(): Promise<void>;
  /** Starts again on the same port, empty (no persistence). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

export interface RedisServerOptions {
  /** Extra redis-server arguments, e.g. `['--maxclients', '1000']` (local binary only). */
  readonly args?: readonly string[];
  /** `local` forces the redis-server binary even where Docker is reachable (benchmarks). */
  readonly use?: 'auto' | 'local';
}

function dockerReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/** A testcontainers Redis when a Docker engine is reachable, else a local redis-server binary. */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServer> {
  return options.use !== 'local' && dockerReachable() ? startContainerRedis() : startLocalRedis(options.args ?? []);
}

function clientPool(port: number): { client: () => Redis; closeAll: () => void } {
  const clients: Redis[] = [];
  return {
    client: () => {
      const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    closeAll: () => {
      for (const client of clients.splice(0)) client.disconnect();
    },
  };
}

async function startLocalRedis(args: readonly string[]): Promise<RedisServer> {
  const server = new RedisProcess({ port: await freePort(), args });
  const pool = clientPool(server.port);
  await server.start();
  return {
    port: server.port,
    url: server.url,
    client: pool.client,
    kill: () => server.kill(),
    start: () => server.start(),
    stop: async () => {
      pool.closeAll();
      await server.stop();
    },
  };
}

async function startContainerRedis(): Promise<RedisServer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const port = await freePort();
  const pool = clientPool(port);
  const build = () =>
    new GenericContainer('redis:7-alpine')
      .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
      .withExposedPorts({ container: 6379, host: port })
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'));
  let container: Awaited<ReturnType<ReturnType<typeof build>['start']>> | undefined = await build().start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    client: pool.client,
    kill: async () => {
      await container?.stop({ timeout: 0 });
      container = undefined;
    },
    start: async () => {
      container = await build().start();
    },
    stop: async () => {
      pool.closeAll();
      await container?.stop({ timeout: 0 });
      container = undefined;
    },
  };
}
