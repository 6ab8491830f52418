import type { Broker, BrokerHealthListener, BrokerObserver, BrokerOptions, NodeEntry } from '../broker.js';
import { BrokerObservers } from '../broker-observers.js';
import { BrokerUnavailableError } from '../errors.js';
import { newEpochCandidate } from '../epoch.js';
import { HealthEmitter } from '../health-emitter.js';
import { LocalPresence } from '../local-presence.js';
import { silentLogger, type EngineLogger } from '../logger.js';
import { decodeChannelPayload, decodeMember, decodeStoredMessage, encodeMember, encodeMessageBody } from '../message-codec.js';
import { RoomRegistry, type ChannelBackend } from '../room-registry.js';
import type {
  AmendDraft,
  ChatMessage,
  HistoryPage,
  HistoryQuery,
  MessageDraft,
  PageQuery,
  PresenceMember,
  PresenceSummary,
  PublishResult,
  ReadState,
  RoomListener,
  RoomPosition,
  RoomSignal,
} from '../types.js';
import { rateKey, roomKeys, roomOfChannel } from './keys.js';
import { RecentPayloads } from './recent-payloads.js';
import { RedisRoomFeatures } from './redis-room-features.js';
import { RedisNodeRegistry } from './node-registry.js';
import type { LinkTimeouts } from './link-watchdog.js';
import { connectTopology, type RedisConnections, type RedisTopology } from './redis-topology.js';

export type { RedisAddress, RedisTopology } from './redis-topology.js';

interface RedisNodeOptions extends BrokerOptions {
  readonly nodeId: string;
  readonly logger?: EngineLogger;
  /** PING interval and command/PING timeout on each Redis connection (default 1000 / 2000 ms). */
  readonly link?: LinkTimeouts;
}

/** One Redis by `url` (`redis://host:port/db`), or any topology: single, Redis Cluster, Sentinel. */
export type RedisBrokerOptions =
  | (RedisNodeOptions & { readonly url: string; readonly topology?: undefined })
  | (RedisNodeOptions & { readonly topology: RedisTopology; readonly url?: undefined });

const RESYNC_RETRY_MS = 500;

/**
 * The cluster broker: Lua publish (one round trip), per-room refcounted (S)SUBSCRIBE, streams for
 * history; on one Redis, a Sentinel-managed primary, or a Redis Cluster with sharded pub/sub.
 */
export class RedisBroker implements Broker {
  readonly kind = 'redis' as const;
  private readonly redis: RedisConnections;
  private readonly registry: RoomRegistry;
  private readonly recent = new RecentPayloads();
  /** Per room, the epoch of the registry's last read: the epoch its listeners are in. */
  private readonly readEpochs = new Map<string, string>();
  private readonly health = new HealthEmitter();
  private readonly localPresence = new LocalPresence();
  private readonly observers = new BrokerObservers();
  private readonly nodes: RedisNodeRegistry;
  private readonly features: RedisRoomFeatures;
  private readonly logger: EngineLogger;
  private readonly idempotencyWindow: number;
  private resyncing = false;
  private resyncAgain = false;
  private stopped = false;

  constructor(private readonly options: RedisBrokerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.idempotencyWindow = options.idempotencyWindow ?? Math.max(options.historySize, 1000);
    const topology: RedisTopology = options.topology ?? { mode: 'single', url: options.url };
    this.redis = connectTopology(topology, options.nodeId, options.link);
    this.registry = new RoomRegistry(this.channelBackend());
    this.nodes = new RedisNodeRegistry(() => this.commands, options.presenceTtlMs);
    this.features = new RedisRoomFeatures({
      historySize: options.historySize,
      idempotencyWindow: this.idempotencyWindow,
      publishCommand: () => this.pub,
      call: (operation) => this.call(() => operation(this.commands)),
    });
    this.redis.onChange(() => this.onConnectionChange());
    this.redis.onResubscribed(() => this.onResubscribed());
    this.redis.onError((role, error) => this.logger.warn({ role, err: error.message }, 'redis connection error'));
    this.redis.onSilent((role, waitedMs) => this.logger.warn({ role, waitedMs }, 'redis link silent: no PONG in time; reconnecting'));
    this.redis.onMessage((channel, payload) => this.onChannelPayload(channel, payload));
  }

  /** Which publish command the Lua scripts use: SPUBLISH on a cluster (sharded pub/sub). */
  private get pub(): string {
    return this.redis.publishCommand;
  }

  private get commands() {
    return this.redis.commands;
  }

  async start(timeoutMs = 5000): Promise<void> {
    this.redis.connect();
    this.localPresence.startHeartbeat(Math.max(50, Math.floor(this.options.presenceTtlMs / 3)), () => this.heartbeat());
    if (this.health.isConnected) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new BrokerUnavailableError(`redis (${this.redis.label}) is not reachable yet; still retrying`));
      }, timeoutMs);
      const off = this.health.on((event) => {
        if (event.type !== 'connected') return;
        clearTimeout(timer);
        off();
        resolve();
      });
    });
  }

  async stop({ cleanup = true }: { cleanup?: boolean } = {}): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.localPresence.stopHeartbeat();
    if (cleanup && this.commands.status === 'ready') {
      await Promise.allSettled([...this.localPresence.entries().map(([room, member]) => this.removePresence(room, member.id)), this.nodes.removeOwn()]);
    }
    this.localPresence.clear();
    await this.redis.close(cleanup);
    this.health.setConnected(false, 'stopped');
  }

  isConnected(): boolean {
    return this.health.isConnected;
  }

  onHealth(listener: BrokerHealthListener): () => void {
    return this.health.on(listener);
  }

  async publish(room: string, draft: MessageDraft): Promise<PublishResult> {
    const keys = roomKeys(room);
    const ts = draft.ts ?? Date.now();
    const [epoch, offset, duplicate, stored] = await this.call(() =>
      this.commands.chatPublish(
        keys.meta,
        keys.log,
        keys.cid,
        newEpochCandidate(),
        this.options.historySize,
        draft.cid ?? '',
        encodeMessageBody(draft, ts),
        keys.channel,
        this.idempotencyWindow,
        this.pub,
        draft.author ?? '',
      ),
    );
    const firstTs = stored === undefined ? undefined : decodeStoredMessage(room, stored)?.ts;
    return { room, epoch, offset: Number(offset), ts: firstTs ?? ts, duplicate: duplicate === 1 };
  }

  subscribe(room: string, listener: RoomListener): Promise<RoomPosition> {
    return this.registry.add(room, listener);
  }

  unsubscribe(room: string, listener: RoomListener): Promise<void> {
    return this.registry.remove(room, listener);
  }

  subscribedRooms(): readonly string[] {
    return this.registry.liveRooms();
  }

  async history(room: string, query: HistoryQuery): Promise<HistoryPage> {
    const { position, messages } = await this.read(room, query.after ?? -1, query.limit);
    return { ...position, messages };
  }

  async position(room: string): Promise<RoomPosition> {
    return (await this.read(room, -1, 0)).position;
  }

  amend(room: string, draft: AmendDraft): Promise<PublishResult> {
    return this.features.amend(room, draft);
  }

  historyPage(room: string, query: PageQuery): Promise<HistoryPage> {
    return this.features.historyPage(room, query);
  }

  markRead(room: string, reader: string, offset: number): Promise<ReadState & { readonly moved: boolean }> {
    return this.features.markRead(room, reader, offset);
  }

  readState(room: string, reader: string): Promise<ReadState> {
    return this.features.readState(room, reader);
  }

  signal(room: string, signal: RoomSignal): Promise<void> {
    return this.features.signal(room, signal);
  }

  async presenceAdd(room: string, member: PresenceMember): Promise<void> {
    this.localPresence.add(room, member);
    await this.announcePresence(room, member);
  }

  async presenceRemove(room: string, memberId: string): Promise<void> {
    this.localPresence.remove(room, memberId);
    await this.removePresence(room, memberId);
  }

  async presenceList(room: string): Promise<readonly PresenceMember[]> {
    const keys = roomKeys(room);
    const members = await this.call(() =>
      this.commands.chatPresenceSweep(keys.presence, keys.presenceData, Date.now(), keys.channel, this.pub, '1'),
    );
    return members.map(decodeMember).filter((member): member is PresenceMember => member !== undefined);
  }

  async presenceSummary(room: string, limit: number): Promise<PresenceSummary> {
    const keys = roomKeys(room);
    const [count, members] = await this.call(() =>
      this.commands.chatPresenceSummary(keys.presence, keys.presenceData, Date.now(), keys.channel, this.pub, limit),
    );
    return { count: Number(count), members: members.map(decodeMember).filter((member): member is PresenceMember => member !== undefined) };
  }

  async consumeRate(key: string, ratePerSec: number, burst: number): Promise<number> {
    if (ratePerSec <= 0) return 0;
    return Number(await this.call(() => this.commands.chatRate(rateKey(key), Math.max(1, Math.round(1000 / ratePerSec)), burst)));
  }

  async presenceTouch(room: string, member: PresenceMember, ttlMs: number): Promise<void> {
    await this.announcePresence(room, member, ttlMs);
  }

  async nodeHeartbeat(nodeId: string, state: string): Promise<void> {
    await this.call(() => this.nodes.heartbeat(nodeId, state));
  }

  nodeList(): Promise<readonly NodeEntry[]> {
    return this.call(() => this.nodes.list());
  }

  observe(observer: BrokerObserver): () => void {
    return this.observers.add(observer);
  }

  private announcePresence(room: string, member: PresenceMember, ttl = this.options.presenceTtlMs): Promise<number> {
    const keys = roomKeys(room);
    return this.call(() =>
      this.commands.chatPresenceAdd(keys.presence, keys.presenceData, member.id, Date.now() + ttl, encodeMember(member), keys.channel, this.pub, ttl * 2),
    );
  }

  private removePresence(room: string, memberId: string): Promise<number> {
    const keys = roomKeys(room);
    return this.call(() => this.commands.chatPresenceRemove(keys.presence, keys.presenceData, memberId, keys.channel, this.pub));
  }

  /** Refreshes this node's entries and sweeps expired ones of the rooms it serves. */
  private async heartbeat(): Promise<void> {
    if (this.commands.status !== 'ready') return;
    const rooms = new Set([...this.registry.liveRooms(), ...this.localPresence.rooms()]);
    const now = Date.now();
    await Promise.all([
      ...this.localPresence.entries().map(([room, member]) => this.announcePresence(room, member)),
      ...[...rooms].map((room) => {
        const keys = roomKeys(room);
        return this.commands.chatPresenceSweep(keys.presence, keys.presenceData, now, keys.channel, this.pub, '0');
      }),
    ]);
  }

  /** `seenEpoch`: a backfill's own read, which also checks that what it delivered is still stored. */
  private async read(room: string, after: number, limit: number, seenEpoch?: string): Promise<{ position: RoomPosition; messages: ChatMessage[] }> {
    const keys = roomKeys(room);
    const check = seenEpoch === undefined ? [] : [seenEpoch, this.recent.get(room, seenEpoch, after)];
    const [epoch, offset, payloads] = await this.call(() =>
      this.commands.chatRead(keys.meta, keys.log, keys.cid, newEpochCandidate(), after, limit, ...check),
    );
    const messages: ChatMessage[] = [];
    for (const payload of payloads) {
      const message = decodeStoredMessage(room, payload);
      if (!message) continue;
      if (seenEpoch !== undefined) this.recent.remember(room, message.epoch, message.offset, payload);
      messages.push(message);
    }
    return { position: { epoch, offset: Number(offset) }, messages };
  }

  /** Runs a Redis call; a connection problem becomes BrokerUnavailableError, a script error stays. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    if (!this.redis.isReady()) throw new BrokerUnavailableError();
    const startedAt = performance.now();
    let failed = true;
    try {
      const result = await operation();
      failed = false;
      return result;
    } catch (error) {
      if (error instanceof Error && error.name === 'ReplyError') throw error;
      throw new BrokerUnavailableError();
    } finally {
      this.observers.roundTrip(startedAt, failed);
    }
  }

  private channelBackend(): ChannelBackend {
    return {
      subscribeChannels: async (rooms) => {
        try {
          await this.redis.subscribe(rooms.map((room) => roomKeys(room).channel));
        } catch {
          throw new BrokerUnavailableError();
        }
      },
      unsubscribeChannel: async (room) => {
        this.recent.forget(room);
        this.readEpochs.delete(room);
        await this.redis.unsubscribe(roomKeys(room).channel);
      },
      readRoom: async (room, after, limit) => {
        const result = await this.read(room, after, limit, this.readEpochs.get(room));
        this.readEpochs.set(room, result.position.epoch);
        return result;
      },
      onEpochChange: (room, position) => {
        this.logger.warn({ room, epoch: position.epoch }, 'room data was lost: new epoch');
        this.health.emit({ type: 'epoch_changed', room, position });
      },
      onBackfillGap: (room, expected, got) =>
        this.logger.warn({ room, expected, got }, 'messages trimmed from history before backfill could read them'),
    };
  }

  private onChannelPayload(channel: string, payload: string): void {
    const room = roomOfChannel(channel);
    if (room === undefined) return;
    const decoded = decodeChannelPayload(room, payload);
    if (!decoded) {
      this.logger.warn({ room }, 'malformed payload on room channel');
    } else if ('member' in decoded) {
      this.registry.receivePresence(decoded);
    } else if ('signal' in decoded) {
      this.registry.receiveSignal(decoded);
    } else {
      this.recent.remember(room, decoded.epoch, decoded.offset, payload);
      this.observers.messageArrived(decoded);
      this.registry.receive(decoded);
    }
  }

  private onConnectionChange(): void {
    if (this.stopped) return;
    if (!this.redis.isReady()) {
      this.health.setConnected(false, 'redis connection lost');
      return;
    }
    if (!this.health.isConnected) void this.resync();
  }

  /** A cluster shard's subscriber was replaced: messages published meanwhile are read back. */
  private onResubscribed(): void {
    if (this.stopped || !this.health.isConnected) return; // the reconnect's own resync covers it
    void this.resync();
  }

  /** After (re)connecting: resubscribe and backfill every room, re-announce presence, then report ready. */
  private async resync(): Promise<void> {
    if (this.resyncing) {
      this.resyncAgain = true;
      return;
    }
    this.resyncing = true;
    this.resyncAgain = false;
    try {
      await this.registry.resync();
      await Promise.all(this.localPresence.entries().map(([room, member]) => this.announcePresence(room, member)));
      if (this.redis.isReady()) this.health.setConnected(true);
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'resync after reconnect failed; retrying');
      setTimeout(() => this.onConnectionChange(), RESYNC_RETRY_MS).unref();
    } finally {
      this.resyncing = false;
    }
    if (this.resyncAgain && !this.stopped) void this.resync();
  }
}

