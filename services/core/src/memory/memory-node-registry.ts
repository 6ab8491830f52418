import type { NodeEntry } from '../broker.js';
import type { MemoryBackend } from './memory-backend.js';

interface Heartbeat {
  readonly at: number;
  readonly state: string;
}

/** One table per backend, so brokers sharing a backend (nodes in one process) see each other. */
const tables = new WeakMap<MemoryBackend, Map<string, Heartbeat>>();

/** The in-process twin of RedisNodeRegistry: node id → last heartbeat and state, listed while younger than the TTL. */
export class MemoryNodeRegistry {
  private readonly own = new Set<string>();
  private readonly table: Map<string, Heartbeat>;

  constructor(
    backend: MemoryBackend,
    private readonly ttlMs: number,
  ) {
    let table = tables.get(backend);
    if (!table) tables.set(backend, (table = new Map<string, Heartbeat>()));
    this.table = table;
  }

  heartbeat(nodeId: string, state: string, now = Date.now()): void {
    this.own.add(nodeId);
    this.table.set(nodeId, { at: now, state });
  }

  list(now = Date.now()): NodeEntry[] {
    const entries: NodeEntry[] = [];
    for (const [id, { at, state }] of this.table) {
      if (at < now - this.ttlMs) this.table.delete(id);
      else entries.push({ id, ageMs: Math.max(0, now - at), state });
    }
    return entries.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }

  removeOwn(): void {
    for (const id of this.own) this.table.delete(id);
    this.own.clear();
  }
}
