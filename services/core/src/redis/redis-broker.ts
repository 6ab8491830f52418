import type { Broker, BrokerHealthListener, BrokerObserver, BrokerOptions, NodeEntry } from '../broker.js';
import { BrokerObservers } from '../broker-observers.js';
import { BrokerUnavailableError } from '../errors.js';
import { newEpochCandidate } from '../epoch.js';
import { HealthEmitter } from '../health-emitter.js';
import { silentLogger, type EngineLogger } from '../logger.js';
import { decodeChannelPayload, decodeDeliveredMessage, decodeStoredMessage, encodeMessageBody, isPresenceEvents, storedPayloadOf } from '../message-codec.js';
import type { RoomRead, RoomTraffic } from '../room-channels.js';
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
} from '../types.js';
import { RedisKeys } from './keys.js';
import { RedisPresence } from './redis-presence.js';
import { roomArguments } from './scripts.js';
import { PublishBatcher } from './publish-batcher.js';
import { RoomTtlRenewals } from './room-ttl-renewals.js';
import { ServedRoomKeeper } from './served-room-keeper.js';
import { ScriptPublishSender } from './script-publish-sender.js';
import { RedisRoomFeatures } from './redis-room-features.js';
import { RedisNodeRegistry } from './node-registry.js';
import type { LinkTimeouts } from './link-watchdog.js';
import { connectTopology, type RedisConnections, type RedisTopology } from './redis-topology.js';

export type { RedisAddress, RedisTopology } from './redis-topology.js';

interface RedisNodeOptions extends BrokerOptions {
  readonly nodeId: string;
  readonly logger?: EngineLogger;
  /** PING interval and command/PING timeout on each Redis connection it opens (default 1000 / 2000 ms). */
  readonly link?: LinkTimeouts;
  /** Prefix of every key and channel (REDIS_KEY_PREFIX), so deployments can share one Redis. */
  readonly keyPrefix?: string;
}

/**
 * One Redis by `url` (`redis://host:port/db`), or any topology: single, Redis Cluster, Sentinel;
 * the broker opens its connections and closes them in `stop`. Or `connections` its node opened
 * and shares with other users (cursors, Pusher): the broker uses them and leaves them open.
 */
export type RedisBrokerOptions =
  | (RedisNodeOptions & { readonly url: string; readonly topology?: undefined; readonly connections?: undefined })
  | (RedisNodeOptions & { readonly topology: RedisTopology; readonly url?: undefined; readonly connections?: undefined })
  | (RedisNodeOptions & { readonly connections: RedisConnections; readonly url?: undefined; readonly topology?: undefined });

const RESYNC_RETRY_MS = 500;

/**
 * The cluster broker: Lua publish (one round trip), per-room refcounted (S)SUBSCRIBE, streams for
 * history; on one Redis, a Sentinel-managed primary, or a Redis Cluster with sharded pub/sub.
 */
export class RedisBroker implements Broker {
  readonly kind = 'redis' as const;
  private readonly redis: RedisConnections;
  /** Opened by this broker (url, topology), so closed by its stop; else its node's to close. */
  private readonly ownsConnections: boolean;
  /** The node's room layer: where room traffic goes (none attached: dropped). */
  private traffic: RoomTraffic | undefined;
  /** Per room, the epoch of the registry's last read: the epoch its listeners are in. */
  private readonly readEpochs = new Map<string, string>();
  private readonly health = new HealthEmitter();
  private readonly keys: RedisKeys;
  private readonly presence: RedisPresence;
  /** When this node last renewed each served room's keys. */
  private readonly keeper: ServedRoomKeeper;
  private readonly renewals: RoomTtlRenewals;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly observers = new BrokerObservers();
  private readonly nodes: RedisNodeRegistry;
  private readonly features: RedisRoomFeatures;
  private readonly logger: EngineLogger;
  private readonly idempotencyWindow: number;
  private readonly publishes: PublishBatcher;
  private resyncing = false;
  private resyncAgain = false;
  private stopped = false;

  constructor(private readonly options: RedisBrokerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.idempotencyWindow = options.idempotencyWindow ?? Math.max(options.historySize, 1000);
    this.ownsConnections = options.connections === undefined;
    this.redis = options.connections ?? connectTopology(options.topology ?? { mode: 'single', url: options.url }, options.nodeId, options.link, this.logger);
    this.keys = new RedisKeys(options.keyPrefix);
    this.renewals = new RoomTtlRenewals(this.roomTtlMs);
    this.keeper = new ServedRoomKeeper(this.roomTtlMs);
    this.nodes = new RedisNodeRegistry(() => this.commands, options.presenceTtlMs, this.keys);
    this.presence = new RedisPresence({
      nodeId: options.nodeId,
      ttlMs: options.presenceTtlMs,
      keys: this.keys,
      publishCommand: () => this.pub,
      call: (operation) => this.call(() => operation(this.commands)),
    });
    this.features = new RedisRoomFeatures({
      keys: this.keys,
      roomTtlMs: this.roomTtlMs,
      historySize: options.historySize,
      idempotencyWindow: this.idempotencyWindow,
      publishCommand: () => this.pub,
      call: (operation) => this.call(() => operation(this.commands)),
    });
    this.publishes = new PublishBatcher(
      new ScriptPublishSender(() => this.commands, {
        roomTtlMs: this.roomTtlMs,
        historySize: options.historySize,
        idempotencyWindow: this.idempotencyWindow,
        publishCommand: () => this.pub,
        groupOf: (channel) => this.redis.publishGroupOf(channel),
      }),
    );
    this.redis.onChange(() => this.onConnectionChange());
    this.redis.onResubscribed(() => this.onResubscribed());
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
    // Shared connections may be open already: connect() acts once.
    this.redis.connect();
    this.startHeartbeat(Math.max(50, Math.floor(this.options.presenceTtlMs / 3)));
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
    clearInterval(this.heartbeatTimer);
    if (cleanup && this.commands.status === 'ready') await Promise.allSettled([this.presence.dropAll(), this.nodes.removeOwn()]);
    this.presence.clear();
    if (this.ownsConnections) await this.redis.close(cleanup);
    this.health.setConnected(false, 'stopped');
  }

  isConnected(): boolean {
    return this.health.isConnected;
  }

  onHealth(listener: BrokerHealthListener): () => void {
    return this.health.on(listener);
  }

  async publish(room: string, draft: MessageDraft): Promise<PublishResult> {
    const keys = this.keys.room(room);
    const now = Date.now();
    const ts = draft.ts ?? now;
    const renew = this.renewals.renewArgument(room, now);
    const [epoch, offset, duplicate, stored] = await this.call(() =>
      this.publishes.publish({
        keys: [keys.meta, keys.log, keys.cid],
        epochCandidate: newEpochCandidate(),
        cid: draft.cid ?? '',
        body: encodeMessageBody(draft, ts),
        channel: keys.channel,
        author: draft.author ?? '',
        renew,
      }),
    );
    if (duplicate !== 1) this.renewals.stored(room, now, renew, epoch, draft.cid !== undefined && draft.cid !== '');
    const firstTs = stored === undefined ? undefined : decodeStoredMessage(room, stored)?.ts;
    return { room, epoch, offset: Number(offset), ts: firstTs ?? ts, duplicate: duplicate === 1 };
  }

  attach(traffic: RoomTraffic): void {
    this.traffic = traffic;
  }

  async subscribeChannels(rooms: readonly string[]): Promise<void> {
    try {
      await this.redis.subscribe(rooms.map((room) => this.keys.room(room).channel));
    } catch {
      throw new BrokerUnavailableError();
    }
  }

  async unsubscribeChannel(room: string): Promise<void> {
    this.readEpochs.delete(room);
    await this.redis.unsubscribe(this.keys.room(room).channel);
  }

  async readRoom(room: string, after: RoomPosition, limit: number): Promise<RoomRead> {
    const seenEpoch = this.readEpochs.get(room);
    const check = seenEpoch === undefined ? undefined : { epoch: seenEpoch, payload: after.epoch === seenEpoch ? storedPayloadOf(after) : '' };
    const result = await this.read(room, after.offset, limit, true, check);
    this.readEpochs.set(room, result.position.epoch);
    return result;
  }

  roomEpochChanged(room: string, position: RoomPosition): void {
    this.logger.warn({ room, epoch: position.epoch }, 'room data was lost: new epoch');
    this.health.emit({ type: 'epoch_changed', room, position });
  }

  backfillGap(room: string, expected: number, got: number): void {
    this.logger.warn({ room, expected, got }, 'messages trimmed from history before backfill could read them');
  }

  async history(room: string, query: HistoryQuery): Promise<HistoryPage> {
    const { position, messages } = await this.read(room, query.after ?? -1, query.limit, false);
    return { ...position, messages };
  }

  async position(room: string): Promise<RoomPosition> {
    return (await this.read(room, -1, 0, false)).position;
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

  presenceAdd(room: string, member: PresenceMember): Promise<void> {
    return this.presence.add(room, member);
  }

  presenceRemove(room: string, memberId: string): Promise<void> {
    return this.presence.remove(room, memberId);
  }

  presenceList(room: string): Promise<readonly PresenceMember[]> {
    return this.presence.list(room);
  }

  presenceSummary(room: string, limit: number): Promise<PresenceSummary> {
    return this.presence.summary(room, limit);
  }

  async consumeRate(key: string, ratePerSec: number, burst: number): Promise<number> {
    if (ratePerSec <= 0) return 0;
    return Number(await this.call(() => this.commands.chatRate(this.keys.rate(key), Math.max(1, Math.round(1000 / ratePerSec)), burst)));
  }

  presenceTouch(room: string, member: PresenceMember, ttlMs: number): Promise<void> {
    return this.presence.visit(room, member, ttlMs);
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

  private get roomTtlMs(): number {
    return this.options.roomTtlMs ?? 0;
  }

  /** One timer per node: presence leases and sweeps, and the keys of the rooms it serves. */
  private startHeartbeat(intervalMs: number): void {
    clearInterval(this.heartbeatTimer);
    let running = false;
    this.heartbeatTimer = setInterval(() => {
      if (running || this.commands.status !== 'ready') return;
      running = true;
      this.heartbeat()
        .catch(() => undefined)
        .finally(() => (running = false));
    }, intervalMs);
    this.heartbeatTimer.unref();
  }

  private async heartbeat(): Promise<void> {
    const served = this.traffic?.liveRooms() ?? [];
    await Promise.all([this.presence.refresh(served), this.keepRooms(served)]);
  }

  /** Renews the keys of the rooms this node serves: a room with members is never forgotten. */
  private async keepRooms(served: readonly string[]): Promise<void> {
    const ttl = this.roomTtlMs;
    if (ttl <= 0) return;
    const now = Date.now();
    this.renewals.prune(now);
    await Promise.all(this.keeper.due(served, now).map((room) => this.call(() => this.commands.chatRoomKeep(...this.keys.roomData(room), ttl))));
  }

  /**
   * `create`: a subscribing node makes a missing room; a plain read writes nothing. `delivered`: a
   * room's own read, which also checks that the epoch it is in still reaches `after` and that the
   * payload it delivered there (when known) is still the one stored.
   */
  private async read(room: string, after: number, limit: number, create: boolean, delivered?: { epoch: string; payload: string }): Promise<{ position: RoomPosition; messages: RoomMessage[] }> {
    const keys = this.keys.room(room);
    const check = delivered === undefined ? [] : [delivered.epoch, delivered.payload];
    const [epoch, offset, payloads] = await this.call(() =>
      this.commands.chatRead(keys.meta, keys.log, keys.cid, ...roomArguments(newEpochCandidate(), this.roomTtlMs, create), after, limit, ...check),
    );
    const messages: RoomMessage[] = [];
    for (const payload of payloads) {
      const message = delivered === undefined ? decodeStoredMessage(room, payload) : decodeDeliveredMessage(room, payload);
      if (message) messages.push(message);
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

  private onChannelPayload(channel: string, payload: string): void {
    const room = this.keys.roomOfChannel(channel);
    if (room === undefined) return;
    const decoded = decodeChannelPayload(room, payload);
    if (!decoded) {
      this.logger.warn({ room }, 'malformed payload on room channel');
    } else if (isPresenceEvents(decoded)) {
      for (const event of decoded) this.traffic?.receivePresence(event);
    } else if ('signal' in decoded) {
      this.traffic?.receiveSignal(decoded);
    } else {
      this.observers.messageArrived(decoded);
      this.traffic?.receive(decoded);
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
      await this.traffic?.resync();
      await this.presence.announceAll();
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

