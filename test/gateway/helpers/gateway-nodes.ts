import { afterAll, beforeAll } from 'vitest';
import { loadConfig } from '../../../services/gateway/src/config.js';
import { createLogger } from '../../../services/gateway/src/logger.js';
import { GatewayNode } from '../../../services/gateway/src/node.js';
import { startRedisServer, type RedisServer } from '@chat/testkit';
import type { Resources } from './resources.js';

/** Environment settings as the gateway reads them (strings, like process.env). */
export type NodeSettings = Readonly<Record<string, string>>;

/** Quiet, fast settings for in-process test nodes; each test overrides what it exercises. */
export const TEST_NODE_DEFAULTS: NodeSettings = {
  PORT: '0',
  HOST: '127.0.0.1',
  LOG_LEVEL: 'silent',
  RATE_SENDS_PER_SEC: '0',
  RATE_JOINS_PER_SEC: '0',
  RATE_READS_PER_SEC: '0',
  RATE_FRAMES_PER_SEC: '0',
  DRAIN_TIMEOUT_MS: '1000',
  PRESENCE_TTL_MS: '3000',
};

/** A gateway node started in this process, with the addresses a client needs. */
export class TestNode {
  constructor(
    readonly id: string,
    readonly node: GatewayNode,
  ) {}

  get port(): number {
    return this.node.port;
  }

  /** `http://127.0.0.1:<port>` */
  get http(): string {
    return `http://127.0.0.1:${this.node.port}`;
  }

  /** `ws://127.0.0.1:<port>` */
  get ws(): string {
    return `ws://127.0.0.1:${this.node.port}`;
  }

  get tcpPort(): number {
    const port = this.node.tcpPort;
    if (port === undefined) throw new Error(`node ${this.id} has no TCP gateway (set TCP_PORT)`);
    return port;
  }

  drain(): Promise<void> {
    return this.node.drain();
  }
}

/** Starts one node; `redisUrl` undefined means the embedded in-memory broker. */
export async function startNode(id: string, redisUrl: string | undefined, settings: NodeSettings = {}): Promise<TestNode> {
  const env: Record<string, string> = { ...TEST_NODE_DEFAULTS, NODE_ID: id, ...settings };
  if (redisUrl !== undefined) env.REDIS_URL = redisUrl;
  const config = loadConfig(env);
  const node = await GatewayNode.start(config, createLogger(config.logLevel, id));
  return new TestNode(id, node);
}

export interface TwoNodes {
  readonly redis: RedisServer;
  readonly a: TestNode;
  readonly b: TestNode;
}

/**
 * The usual suite setup: a private Redis and nodes `node-a` and `node-b` on it, started before
 * the suite and, with everything `resources` tracked, stopped after it.
 */
export function useTwoNodes(resources: Resources, settings: NodeSettings, started: (nodes: TwoNodes) => void): void {
  let redis: RedisServer | undefined;
  beforeAll(async () => {
    redis = await startRedisServer();
    const a = await startNode('node-a', redis.url, settings);
    resources.track({ close: () => a.drain() });
    const b = await startNode('node-b', redis.url, settings);
    resources.track({ close: () => b.drain() });
    started({ redis, a, b });
  });
  afterAll(async () => {
    await resources.closeAll();
    await redis?.stop();
  });
}
