import type { Broker } from '@chat/core';
import type { AdminEvent, ClusterSnapshot, NodeState, NodeView, RoomView } from './cluster-types.js';
import { parseNodeState } from './node-state.js';
import { RoomRateSampler } from './room-rate.js';

const MAX_ROOMS = 50;
const MAX_NICKS = 20;
const MAX_EVENTS = 50;
/** A heartbeat older than this many intervals is late: the node is shown stale within two intervals of its death. */
const STALE_AFTER_INTERVALS = 1.5;

/**
 * The cluster as the broker knows it: every node's last heartbeat, rooms merged across nodes with
 * their rate from the room's offset, and events told apart from the counters' growth between reads.
 */
export class ClusterView {
  private readonly rates = new RoomRateSampler();
  private readonly events: AdminEvent[] = [];
  private previous: ReadonlyMap<string, NodeState> | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly nodeId: string,
    private readonly heartbeatIntervalMs: number,
  ) {}

  async snapshot(now = Date.now()): Promise<ClusterSnapshot> {
    const entries = await this.broker.nodeList();
    const nodes: NodeView[] = [];
    for (const entry of entries) {
      const state = parseNodeState(entry.state);
      const stale = entry.ageMs > STALE_AFTER_INTERVALS * this.heartbeatIntervalMs;
      if (state) nodes.push({ ...state, id: entry.id, heartbeatAgeMs: entry.ageMs, stale });
    }
    this.noteEvents(nodes, now);
    const rooms = await this.rooms(nodes, now);
    return { at: now, servedBy: this.nodeId, heartbeatIntervalMs: this.heartbeatIntervalMs, nodes, rooms, events: [...this.events].reverse() };
  }

  private async rooms(nodes: readonly NodeView[], now: number): Promise<RoomView[]> {
    const byRoom = new Map<string, { members: number; nodes: string[] }>();
    for (const node of nodes) {
      for (const [room, members] of Object.entries(node.rooms)) {
        const entry = byRoom.get(room) ?? { members: 0, nodes: [] };
        entry.members += members;
        entry.nodes.push(node.id);
        byRoom.set(room, entry);
      }
    }
    const busiest = [...byRoom.entries()].sort(([a, x], [b, y]) => y.members - x.members || (a < b ? -1 : 1)).slice(0, MAX_ROOMS);
    this.rates.retain(new Set(busiest.map(([room]) => room)));
    return Promise.all(
      busiest.map(async ([room, entry]) => {
        const [position, presence] = await Promise.all([this.broker.position(room), this.broker.presenceList(room)]);
        const nicks = [...new Set(presence.map((member) => member.nick))].sort().slice(0, MAX_NICKS);
        return { room, members: entry.members, nicks, messagesPerSec: this.rates.sample(room, position, now), nodes: entry.nodes };
      }),
    );
  }

  /** Slow-consumer drops, limit refusals, nodes coming and going: what grew since the last read. */
  private noteEvents(nodes: readonly NodeView[], now: number): void {
    const current = new Map(nodes.map((node) => [node.id, node]));
    const previous = this.previous;
    this.previous = current;
    if (!previous) return;
    for (const node of nodes) {
      const before = previous.get(node.id);
      if (!before) {
        this.push({ at: now, node: node.id, kind: 'node_joined', detail: 'heartbeat seen', count: 1 });
        continue;
      }
      const dropped = node.slowConsumers - before.slowConsumers;
      if (dropped > 0) this.push({ at: now, node: node.id, kind: 'slow_consumer', detail: 'disconnected: outgoing buffer full', count: dropped });
      for (const [limit, count] of Object.entries(node.limitViolations)) {
        const grown = count - (before.limitViolations[limit] ?? 0);
        if (grown > 0) this.push({ at: now, node: node.id, kind: 'limit', detail: limit, count: grown });
      }
    }
    for (const id of previous.keys()) {
      if (!current.has(id)) this.push({ at: now, node: id, kind: 'node_left', detail: 'no heartbeat within the TTL', count: 1 });
    }
  }

  private push(event: AdminEvent): void {
    this.events.push(event);
    if (this.events.length > MAX_EVENTS) this.events.shift();
  }
}
