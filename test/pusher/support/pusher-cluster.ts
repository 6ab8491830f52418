import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, startRedisServer, type RedisServer } from '@chat/testkit';
import PusherServerSdk from 'pusher';
import { afterAll, beforeAll } from 'vitest';
import { startNode, type NodeSettings, type TestNode } from '../../gateway/helpers/gateway-nodes.js';
import { Resources } from '../../gateway/helpers/resources.js';

/** The app every Pusher test uses (and a second one, for isolation). */
export const APP = { id: '1001', key: 'app-key', secret: 'app-secret-0123456789' } as const;
export const OTHER_APP = { id: '1002', key: 'other-key', secret: 'other-secret-0123456789' } as const;

/** A PUSHER_APPS_FILE holding `apps` (deleted with the OS temp folder). */
export function appsFile(apps: readonly Record<string, unknown>[]): string {
  const path = join(mkdtempSync(join(tmpdir(), 'pusher-apps-')), 'apps.json');
  writeFileSync(path, JSON.stringify({ apps }));
  return path;
}

/** Environment of a test node speaking Pusher: APP from PUSHER_APP_*, OTHER_APP from a file, fast timings. */
export function pusherEnv(settings: NodeSettings = {}): NodeSettings {
  return {
    PUSHER_APP_ID: APP.id,
    PUSHER_APP_KEY: APP.key,
    PUSHER_APP_SECRET: APP.secret,
    PUSHER_APPS_FILE: appsFile([OTHER_APP]),
    PRESENCE_TTL_MS: '1500',
    ...settings,
  };
}

/** The real `pusher` server SDK, pointed at one node (or nginx). */
export function serverSdk(port: number, app: { id: string; key: string; secret: string } = APP): PusherServerSdk {
  return new PusherServerSdk({ appId: app.id, key: app.key, secret: app.secret, host: '127.0.0.1', port: String(port), useTLS: false });
}

export interface PusherCluster {
  readonly redis: RedisServer;
  readonly a: TestNode;
  readonly b: TestNode;
  readonly resources: Resources;
}

/** Two gateways speaking Pusher on one real redis-server, for the suite; everything tracked is closed after it. */
export function usePusherCluster(settings: NodeSettings | (() => NodeSettings) = {}): () => PusherCluster {
  const resources = new Resources();
  let cluster: PusherCluster | undefined;
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    redis = await startRedisServer();
    const env = pusherEnv(typeof settings === 'function' ? settings() : settings);
    const a = await startNode('node-a', redis.url, env);
    resources.track({ close: () => a.drain() });
    const b = await startNode('node-b', redis.url, env);
    resources.track({ close: () => b.drain() });
    // A loaded machine may start a node before its Redis link is up: it serves /readyz 503 until then.
    for (const node of [a, b]) await eventually(async () => (await fetch(`http://127.0.0.1:${node.port}/readyz`)).ok, { timeoutMs: 20_000, what: `${node.id} ready` });
    cluster = { redis, a, b, resources };
  });
  afterAll(async () => {
    await resources.closeAll();
    await redis?.stop();
  });
  return () => {
    if (!cluster) throw new Error('the cluster has not started');
    return cluster;
  };
}
