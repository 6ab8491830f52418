import type { Broker, BrokerHealthListener, BrokerObserver, BrokerOptions, NodeEntry } from '../broker.js';
import { BrokerObservers } from '../broker-observers.js';
import { BrokerUnavailableError } from '../errors.js';
import { HealthEmitter } from '../health-emitter.js';
import type { RoomRead, RoomTraffic } from '../room-channels.js';
import type { SignalPayload } from '../message-codec.js';
import type {
  AmendDraft,
  RoomMessage,
  HistoryPage,
  HistoryQuery,
  MessageDraft,
  PageQuery,
  PresenceEvent,
  PresenceMember,
  PresenceSummary,
  PublishResult,
  ReadState,
  RoomPosition,
  RoomSignal,
} from '../types.js';
import { MemoryBackend, type MemoryConnection } from './memory-backend.js';
import { MemoryNodeRegistry } from './memory-node-registry.js';

export interface MemoryBrokerOptions extends BrokerOptions {
  /** Share one backend between brokers to run several nodes in one process (tests). */
  readonly backend?: MemoryBackend;
  /** Names this node's presence lease (default: one of its own). */
  readonly nodeId?: string;
}

let unnamedNodes = 0;

/** The embedded broker of a single node: Redis semantics (offsets, epoch, history, idempotency, presence) in process. */
export class MemoryBroker implements Broker {
  readonly kind = 'memory' as const;
  readonly backend: MemoryBackend;
  /** The node's room layer: where room traffic goes (none attached: dropped). */
  private traffic: RoomTraffic | undefined;
  private readonly health = new HealthEmitter();
  /** This node's members per room: what its heartbeat renews. */
  private readonly localMembers = new Map<string, Map<string, PresenceMember>>();
  private readonly nodeId: string;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly observers = new BrokerObservers();
  private readonly nodes: MemoryNodeRegistry;
  private readonly idempotencyWindow: number;
  private readonly connection: MemoryConnection;
  /** Linked to the backend; `connected` is reported only once rooms are resynchronised too. */
  private linked = false;

  constructor(private readonly options: MemoryBrokerOptions) {
    this.backend = options.backend ?? new MemoryBackend();
    this.nodeId = options.nodeId ?? `memory-${(unnamedNodes += 1)}`;
    this.nodes = new MemoryNodeRegistry(this.backend, options.presenceTtlMs);
    this.idempotencyWindow = options.idempotencyWindow ?? Math.max(options.historySize, 1000);
    this.connection = {
      deliver: (payload) => this.onPayload(payload),
      onBackendRestart: (phase) => {
        this.linked = phase === 'up';
        if (!this.linked) {
          this.health.setConnected(false, 'backend restarted');
          return;
        }
        void (this.traffic?.resync() ?? Promise.resolve()).then(() => this.health.setConnected(this.linked));
      },
    };
  }

  async start(): Promise<void> {
    this.backend.connect(this.connection);
    this.linked = true;
    this.health.setConnected(true);
    clearInterval(this.heartbeatTimer);
    this.heartbeatTimer = setInterval(() => this.heartbeat(), Math.max(20, Math.floor(this.options.presenceTtlMs / 3)));
    this.heartbeatTimer.unref();
  }

  async stop({ cleanup = true }: { cleanup?: boolean } = {}): Promise<void> {
    clearInterval(this.heartbeatTimer);
    if (cleanup) this.backend.presence.drop(this.nodeId);
    if (cleanup) this.nodes.removeOwn();
    this.localMembers.clear();
    this.backend.disconnect(this.connection);
    this.linked = false;
    this.health.setConnected(false, 'stopped');
  }

  isConnected(): boolean {
    return this.health.isConnected;
  }

  onHealth(listener: BrokerHealthListener): () => void {
    return this.health.on(listener);
  }

  async publish(room: string, draft: MessageDraft): Promise<PublishResult> {
    this.ensureConnected();
    const ts = draft.ts ?? Date.now();
    const { message, duplicate } = this.backend.store(room, draft, ts, this.options.historySize, this.idempotencyWindow);
    return { room, epoch: message.epoch, offset: message.offset, ts: message.ts, duplicate };
  }

  attach(traffic: RoomTraffic): void {
    this.traffic = traffic;
  }

  async subscribeChannels(rooms: readonly string[]): Promise<void> {
    this.ensureConnected();
    for (const room of rooms) this.backend.subscribe(room, this.connection);
  }

  async unsubscribeChannel(room: string): Promise<void> {
    this.backend.unsubscribe(room, this.connection);
  }

  async readRoom(room: string, after: RoomPosition, limit: number): Promise<RoomRead> {
    this.ensureConnected();
    return this.backend.read(room, after.offset, limit, true);
  }

  roomEpochChanged(room: string, position: RoomPosition): void {
    this.health.emit({ type: 'epoch_changed', room, position });
  }

  backfillGap(): void {
    // Nothing to log in process: the memory log is trimmed only by HISTORY_SIZE.
  }

  async history(room: string, query: HistoryQuery): Promise<HistoryPage> {
    this.ensureConnected();
    const { position, messages } = this.backend.read(room, query.after ?? -1, query.limit);
    return { ...position, messages };
  }

  async position(room: string): Promise<RoomPosition> {
    this.ensureConnected();
    return this.backend.read(room, -1, 0).position;
  }

  async amend(room: string, draft: AmendDraft): Promise<PublishResult> {
    this.ensureConnected();
    const ts = draft.ts ?? Date.now();
    const { message, duplicate } = this.backend.amend(room, draft, ts, this.options.historySize, this.idempotencyWindow);
    return { room, epoch: message.epoch, offset: message.offset, ts: message.ts, duplicate };
  }

  async historyPage(room: string, query: PageQuery): Promise<HistoryPage> {
    this.ensureConnected();
    const { position, messages } = this.backend.page(room, query);
    return { ...position, messages };
  }

  async markRead(room: string, reader: string, offset: number): Promise<ReadState & { readonly moved: boolean }> {
    this.ensureConnected();
    return this.backend.readMark(room, reader, offset);
  }

  async readState(room: string, reader: string): Promise<ReadState> {
    this.ensureConnected();
    const { moved: _moved, ...state } = this.backend.readMark(room, reader, -1);
    return state;
  }

  async signal(room: string, signal: RoomSignal): Promise<void> {
    this.ensureConnected();
    this.backend.signal({ room, signal });
  }

  async presenceAdd(room: string, member: PresenceMember): Promise<void> {
    this.ensureConnected();
    let members = this.localMembers.get(room);
    if (!members) this.localMembers.set(room, (members = new Map<string, PresenceMember>()));
    members.set(member.id, member);
    this.backend.presence.add(room, this.nodeId, member, Date.now() + this.options.presenceTtlMs);
  }

  async presenceRemove(room: string, memberId: string): Promise<void> {
    this.ensureConnected();
    const members = this.localMembers.get(room);
    members?.delete(memberId);
    if (members?.size === 0) this.localMembers.delete(room);
    this.backend.presence.remove(room, this.nodeId, memberId);
  }

  async presenceTouch(room: string, member: PresenceMember, ttlMs: number): Promise<void> {
    this.ensureConnected();
    this.backend.presence.visit(room, member, Date.now() + ttlMs);
  }

  async presenceList(room: string): Promise<readonly PresenceMember[]> {
    this.ensureConnected();
    return this.backend.presence.summary(room, Date.now(), Number.MAX_SAFE_INTEGER).members;
  }

  async presenceSummary(room: string, limit: number): Promise<PresenceSummary> {
    this.ensureConnected();
    return this.backend.presence.summary(room, Date.now(), limit);
  }

  async consumeRate(key: string, ratePerSec: number, burst: number): Promise<number> {
    this.ensureConnected();
    return this.backend.consumeRate(key, ratePerSec, burst);
  }

  async nodeHeartbeat(nodeId: string, state: string): Promise<void> {
    this.ensureConnected();
    this.nodes.heartbeat(nodeId, state);
  }

  async nodeList(): Promise<readonly NodeEntry[]> {
    this.ensureConnected();
    return this.nodes.list();
  }

  observe(observer: BrokerObserver): () => void {
    return this.observers.add(observer);
  }

  /** As RedisBroker's: one lease renewal and sweep per room, then idle rooms are forgotten. */
  private heartbeat(): void {
    if (!this.health.isConnected) return;
    const now = Date.now();
    const leaseUntil = now + this.options.presenceTtlMs;
    for (const room of new Set([...(this.traffic?.liveRooms() ?? []), ...this.localMembers.keys()])) {
      const members = this.localMembers.get(room);
      const ownMissing = this.backend.presence.refresh(room, members ? this.nodeId : undefined, leaseUntil, now);
      if (ownMissing && members) for (const member of members.values()) this.backend.presence.add(room, this.nodeId, member, leaseUntil);
    }
    const roomTtl = this.options.roomTtlMs ?? 0;
    if (roomTtl > 0) this.backend.evictIdleRooms(roomTtl, now);
  }

  private onPayload(payload: RoomMessage | PresenceEvent | SignalPayload): void {
    if ('member' in payload) this.traffic?.receivePresence(payload);
    else if ('signal' in payload) this.traffic?.receiveSignal(payload);
    else {
      this.observers.messageArrived(payload);
      this.traffic?.receive(payload);
    }
  }

  private ensureConnected(): void {
    if (!this.linked) throw new BrokerUnavailableError();
  }
}
