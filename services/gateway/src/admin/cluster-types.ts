// The shapes /admin/api/cluster answers with; shared by the gateway and the admin page (no imports).

/** What one node reports in its heartbeat, sent as JSON through the broker. */
export interface NodeState {
  readonly id: string;
  readonly startedAt: number;
  readonly ready: boolean;
  readonly draining: boolean;
  /** Open connections, by transport. */
  readonly connections: Readonly<Record<string, number>>;
  /** Members on this node, by room. */
  readonly rooms: Readonly<Record<string, number>>;
  readonly slowConsumers: number;
  /** Requests refused by a limit since start, by limit. */
  readonly limitViolations: Readonly<Record<string, number>>;
  readonly rssBytes: number;
  readonly heapUsedBytes: number;
}

export interface NodeView extends NodeState {
  readonly heartbeatAgeMs: number;
  /** Its heartbeat is late (more than 1.5 intervals old): likely dead, whatever it said last. */
  readonly stale: boolean;
}

export interface RoomView {
  readonly room: string;
  /** Members on every node together. */
  readonly members: number;
  /** Nicks of the announced members (the first few). */
  readonly nicks: readonly string[];
  readonly messagesPerSec: number;
  readonly nodes: readonly string[];
}

export interface AdminEvent {
  readonly at: number;
  readonly node: string;
  readonly kind: 'slow_consumer' | 'limit' | 'node_joined' | 'node_left';
  readonly detail: string;
  readonly count: number;
}

/** GET /admin/api/cluster, and each `cluster` event of /admin/api/feed. */
export interface ClusterSnapshot {
  readonly at: number;
  readonly servedBy: string;
  /** How often every node beats; a node is stale past 1.5 of these, gone past the presence TTL. */
  readonly heartbeatIntervalMs: number;
  readonly nodes: readonly NodeView[];
  readonly rooms: readonly RoomView[];
  /** Newest first. */
  readonly events: readonly AdminEvent[];
}
