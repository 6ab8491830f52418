import type { CursorStore } from '../cursor-store.js';
import { BrokerUnavailableError } from '../errors.js';
import { RedisKeys } from './keys.js';
import type { LinkTimeouts } from './link-watchdog.js';
import { connectTopology, type RedisConnections, type RedisTopology } from './redis-topology.js';

/**
 * Cursor snapshots in Redis: `<prefix>cursor:<id>` with an expiry (SET PX), on its own connection
 * of the deployment's topology, so any node resumes a stream another node served.
 */
export class RedisCursorStore implements CursorStore {
  private readonly redis: RedisConnections;
  private readonly keys: RedisKeys;

  constructor(topology: RedisTopology, nodeId: string, link?: LinkTimeouts, keyPrefix?: string) {
    this.keys = new RedisKeys(keyPrefix);
    this.redis = connectTopology(topology, `${nodeId}-cursors`, link);
    this.redis.onError(() => undefined);
    this.redis.connect();
  }

  async save(id: string, positions: string, ttlMs: number): Promise<void> {
    try {
      await this.redis.commands.set(this.keys.cursor(id), positions, 'PX', ttlMs);
    } catch (error) {
      throw new BrokerUnavailableError(`cursor not stored: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  async load(id: string): Promise<string | undefined> {
    try {
      return (await this.redis.commands.get(this.keys.cursor(id))) ?? undefined;
    } catch (error) {
      throw new BrokerUnavailableError(`cursor not read: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  close(): Promise<void> {
    return this.redis.close(true);
  }
}
