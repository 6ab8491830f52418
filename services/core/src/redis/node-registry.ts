import type { NodeEntry } from '../broker.js';
import type { RedisKeys } from './keys.js';
import type { ChatCommands } from './redis-topology.js';

/**
 * Which gateway nodes are alive, in Redis: a sorted set of node id → last heartbeat (ms) and a hash
 * of node id → the state it reported. Entries older than the TTL are not listed and are pruned;
 * a node that stops cleanly removes its own.
 */
export class RedisNodeRegistry {
  private readonly own = new Set<string>();

  constructor(
    private readonly commands: () => ChatCommands,
    private readonly ttlMs: number,
    private readonly keys: RedisKeys,
  ) {}

  async heartbeat(nodeId: string, state: string, now = Date.now()): Promise<void> {
    this.own.add(nodeId);
    const { seen, state: states } = this.keys.nodes;
    // Both keys outlive the last node by a while, then go: nothing the gateway writes is kept forever.
    const keepMs = this.ttlMs * 10;
    await this.commands().multi().zadd(seen, now, nodeId).hset(states, nodeId, state).pexpire(seen, keepMs).pexpire(states, keepMs).exec();
  }

  async list(now = Date.now()): Promise<NodeEntry[]> {
    const oldest = now - this.ttlMs;
    const redis = this.commands();
    const nodeKeys = this.keys.nodes;
    const [seen, stale] = await Promise.all([
      redis.zrangebyscore(nodeKeys.seen, oldest, '+inf', 'WITHSCORES'),
      redis.zrangebyscore(nodeKeys.seen, '-inf', `(${oldest}`),
    ]);
    if (stale.length > 0) await redis.multi().zrem(nodeKeys.seen, ...stale).hdel(nodeKeys.state, ...stale).exec();
    const ids = seen.filter((_, index) => index % 2 === 0);
    if (ids.length === 0) return [];
    const states = await redis.hmget(nodeKeys.state, ...ids);
    return ids
      .map((id, index) => ({ id, ageMs: Math.max(0, now - Number(seen[index * 2 + 1])), state: states[index] ?? '{}' }))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  /** Removes the entries of the nodes this registry announced (a clean stop). */
  async removeOwn(): Promise<void> {
    if (this.own.size === 0) return;
    const ids = [...this.own];
    this.own.clear();
    const nodeKeys = this.keys.nodes;
    await this.commands().multi().zrem(nodeKeys.seen, ...ids).hdel(nodeKeys.state, ...ids).exec();
  }
}
