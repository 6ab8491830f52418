import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { freePort } from './free-port.js';

/** A Redis server owned by one test suite: never the machine's shared instance. */
export interface RedisServer {
  readonly port: number;
  readonly url: string;
  /** A plain client for assertions (PUBSUB NUMSUB, raw commands). */
  client(): Redis;
  /** SIGKILL: the data is gone, clients see the connection drop. */
  kill(): Promise<void>;
  /** Starts again on the same port, empty (no persistence). */
  start(): Promise<void>;
  stop(): Promise<void>;
}

function dockerReachable(): boolean {
  return Boolean(process.env.DOCKER_HOST) || existsSync('/var/run/docker.sock');
}

/** A testcontainers Redis when a Docker engine is reachable, else a local redis-server binary. */
export async function startRedisServer(): Promise<RedisServer> {
  return dockerReachable() ? startContainerRedis() : startLocalRedis();
}

async function startLocalRedis(): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('redis-server is not installed: run `bash scripts/install-system-deps.sh` (apt-get install redis-server)');
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  const clients: Redis[] = [];
  const launch = async (): Promise<void> => {
    const proc = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    await new Promise<void>((resolve, reject) => {
      let output = '';
      const onData = (chunk: Buffer): void => {
        output += chunk.toString();
        if (output.includes('Ready to accept connections')) {
          proc.stdout?.off('data', onData);
          proc.stdout?.resume();
          resolve();
        }
      };
      proc.stdout?.on('data', onData);
      proc.once('exit', (code) => reject(new Error(`redis-server exited with ${code}: ${output}`)));
    });
  };
  const halt = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(signal);
    });
  };
  await launch();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    client: () => {
      const client = new Redis({ port, host: '127.0.0.1', lazyConnect: false, maxRetriesPerRequest: 1 });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    kill: () => halt('SIGKILL'),
    start: launch,
    stop: async () => {
      for (const client of clients) client.disconnect();
      await halt('SIGTERM');
    },
  };
}

async function startContainerRedis(): Promise<RedisServer> {
  const { GenericContainer, Wait } = await import('testcontainers');
  const port = await freePort();
  const clients: Redis[] = [];
  const build = () =>
    new GenericContainer('redis:7-alpine')
      .withCommand(['redis-server', '--save', '', '--appendonly', 'no'])
      .withExposedPorts({ container: 6379, host: port })
      .withWaitStrategy(Wait.forLogMessage('Ready to accept connections'));
  let container: Awaited<ReturnType<ReturnType<typeof build>['start']>> | undefined = await build().start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    client: () => {
      const client = new Redis({ port, host: '127.0.0.1', maxRetriesPerRequest: 1 });
      client.on('error', () => undefined);
      clients.push(client);
      return client;
    },
    kill: async () => {
      await container?.stop({ timeout: 0 });
      container = undefined;
    },
    start: async () => {
      container = await build().start();
    },
    stop: async () => {
      for (const client of clients) client.disconnect();
      await container?.stop({ timeout: 0 });
      container = undefined;
    },
  };
}
