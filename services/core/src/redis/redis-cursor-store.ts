import type { CursorStore } from '../cursor-store.js';
import { BrokerUnavailableError } from '../errors.js';
import { RedisKeys } from './keys.js';
import type { RedisConnections } from './redis-topology.js';

/**
 * Cursor snapshots in Redis: `<prefix>cursor:<id>` with an expiry (SET PX), so any node resumes a
 * stream another node served. It runs its commands on its node's connections, which the node
 * opens and closes.
 */
export class RedisCursorStore implements CursorStore {
  private readonly keys: RedisKeys;

  constructor(
    private readonly redis: RedisConnections,
    keyPrefix?: string,
  ) {
    this.keys = new RedisKeys(keyPrefix);
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

  /** Nothing to release: the connections are the node's, closed by it once every user stopped. */
  close(): Promise<void> {
    return Promise.resolve();
  }
}
