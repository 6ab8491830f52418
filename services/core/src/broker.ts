import type {
  AmendDraft,
  RoomMessage,
  HistoryPage,
  HistoryQuery,
  MessageDraft,
  PageQuery,
  PresenceMember,
  PresenceSummary,
  PublishResult,
  ReadState,
  RoomPosition,
  RoomSignal,
} from './types.js';
import type { RoomChannels } from './room-channels.js';

export type BrokerHealthEvent =
  | { readonly type: 'connected' }
  | { readonly type: 'disconnected'; readonly reason: string }
  | { readonly type: 'epoch_changed'; readonly room: string; readonly position: RoomPosition };

export type BrokerHealthListener = (event: BrokerHealthEvent) => void;

/** One gateway node as the cluster sees it: how old its last heartbeat is, and the state it reported (JSON). */
export interface NodeEntry {
  readonly id: string;
  readonly ageMs: number;
  readonly state: string;
}

/** Told what a broker does, for metrics. */
export interface BrokerObserver {
  /** A room message reached this node: once per node, before it is fanned out to members. */
  readonly messageArrived?: (message: RoomMessage) => void;
  /** A backend call (on Redis: one round trip) completed or failed after `seconds`. */
  readonly roundTrip?: (seconds: number, failed: boolean) => void;
}

export interface BrokerOptions {
  /** Messages kept per room (approximately, for Redis streams). */
  readonly historySize: number;
  /** How long a presence entry lives without a refresh from its node. */
  readonly presenceTtlMs: number;
  /** Client ids remembered per room for idempotent publish. */
  readonly idempotencyWindow?: number;
  /**
   * A room with no member on any node and no new message for this long forgets its history and
   * keys (ROOM_TTL_MS); 0 or absent keeps rooms forever.
   */
  readonly roomTtlMs?: number;
}

/**
 * Messages: stored with an offset per room, fanned out on each room's channel, read back as history
 * and pages, amended, marked read; and the channel layer the node's rooms drive.
 */
export interface MessageBroker extends RoomChannels {
  readonly kind: 'memory' | 'redis';
  /** Starts connecting; resolves once ready, or rejects after `timeoutMs` while it keeps retrying. */
  start(timeoutMs?: number): Promise<void>;
  /** Stops; with `cleanup` (the default) removes this node's presence entries first. */
  stop(options?: { cleanup?: boolean }): Promise<void>;
  isConnected(): boolean;
  onHealth(listener: BrokerHealthListener): () => void;
  /** Adds an observer of message arrivals and backend round trips; returns its removal. */
  observe(observer: BrokerObserver): () => void;

  /** Stores the message and fans it out, atomically assigning the room's next offset. */
  publish(room: string, draft: MessageDraft): Promise<PublishResult>;
  /** Messages after `query.after` (or the latest); a room that does not exist reads as empty and is not created. */
  history(room: string, query: HistoryQuery): Promise<HistoryPage>;
  position(room: string): Promise<RoomPosition>;
  /**
   * Edits or deletes the message at `draft.target`: a new entry of the room's stream with its own
   * offset, fanned out and idempotent by cid like a message. Throws ChatError `not_found` (no such
   * message in history, or already deleted) or `forbidden` (neither its author nor a moderator).
   */
  amend(room: string, draft: AmendDraft): Promise<PublishResult>;
  /** Messages only (no edit/delete entries), folded to their latest version, oldest first. */
  historyPage(room: string, query: PageQuery): Promise<HistoryPage>;
  /** Moves a reader's position forward to `offset` (at most the head); never backwards. */
  markRead(room: string, reader: string, offset: number): Promise<ReadState & { readonly moved: boolean }>;
  readState(room: string, reader: string): Promise<ReadState>;
  /** Relays an ephemeral event to the room's listeners on every node; nothing is stored. */
  signal(room: string, signal: RoomSignal): Promise<void>;
}

/** Who is in a room, over every node: each node's members, kept alive by that node. */
export interface PresenceStore {
  /** Announces a member of this node in a room; kept until removed, this node stops, or it dies. */
  presenceAdd(room: string, member: PresenceMember): Promise<void>;
  presenceRemove(room: string, memberId: string): Promise<void>;
  /**
   * Announces a member for `ttlMs` without refreshing it: for clients that come back now and then
   * (long-poll) instead of holding a connection. Touching it again extends it; then it expires.
   */
  presenceTouch(room: string, member: PresenceMember, ttlMs: number): Promise<void>;
  presenceList(room: string): Promise<readonly PresenceMember[]>;
  /** The room's member count and at most `limit` members (every one when count <= limit). */
  presenceSummary(room: string, limit: number): Promise<PresenceSummary>;
}

/** Limits shared by every node. */
export interface RateLimiter {
  /**
   * Takes one token of a limit shared by every node (e.g. a user's sends): `ratePerSec` tokens a
   * second, `burst` saved up. Resolves 0 when allowed, else the milliseconds until a token is free.
   */
  consumeRate(key: string, ratePerSec: number, burst: number): Promise<number>;
}

/** The live gateway nodes, for /admin. */
export interface NodeRegistry {
  /** Records a heartbeat of node `nodeId` with its state (JSON, for /admin); a clean stop() removes it. */
  nodeHeartbeat(nodeId: string, state: string): Promise<void>;
  /** Every node whose last heartbeat is younger than the presence TTL, by id. */
  nodeList(): Promise<readonly NodeEntry[]>;
}

/**
 * The backend every gateway node talks to: four concerns, each its own interface with its own
 * contract tests, served by one connection set. Two implementations pass every contract suite:
 * MemoryBroker (single node, in process) and RedisBroker (a cluster of nodes on Redis).
 */
export interface Broker extends MessageBroker, PresenceStore, RateLimiter, NodeRegistry {}
