import { Redis, type RedisOptions } from 'ioredis';
import type { Broker, BrokerHealthListener, BrokerOptions } from '../broker.js';
import { BrokerUnavailableError } from '../errors.js';
import { newEpochCandidate } from '../epoch.js';
import { HealthEmitter } from '../health-emitter.js';
import { LocalPresence } from '../local-presence.js';
import { silentLogger, type EngineLogger } from '../logger.js';
import { decodeChannelPayload, decodeMember, decodeStoredMessage, encodeMember, encodeMessageBody } from '../message-codec.js';
import { RoomRegistry, type ChannelBackend } from '../room-registry.js';
import type {
  ChatMessage,
  HistoryPage,
  HistoryQuery,
  MessageDraft,
  PresenceMember,
  PublishResult,
  RoomListener,
  RoomPosition,
} from '../types.js';
import { roomKeys, roomOfChannel } from './keys.js';
import { defineChatScripts, type ChatScripts } from './scripts.js';

export interface RedisBrokerOptions extends BrokerOptions {
  /** `redis://host:port/db` */
  readonly url: string;
  readonly nodeId: string;
  readonly logger?: EngineLogger;
}

const RESYNC_RETRY_MS = 500;

/** The cluster broker: Lua publish (one round trip), per-room refcounted SUBSCRIBE, streams for history. */
export class RedisBroker implements Broker {
  readonly kind = 'redis' as const;
  private readonly commands: Redis & ChatScripts;
  private readonly subscriber: Redis;
  private readonly registry: RoomRegistry;
  private readonly health = new HealthEmitter();
  private readonly localPresence = new LocalPresence();
  private readonly logger: EngineLogger;
  private readonly idempotencyWindow: number;
  private resyncing = false;
  private stopped = false;

  constructor(private readonly options: RedisBrokerOptions) {
    this.logger = options.logger ?? silentLogger;
    this.idempotencyWindow = options.idempotencyWindow ?? Math.max(options.historySize, 1000);
    const common: RedisOptions = {
      lazyConnect: true,
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      connectTimeout: 2000,
      retryStrategy: (attempt) => Math.min(50 * 2 ** attempt, 1000),
    };
    this.commands = defineChatScripts(
      new Redis(options.url, { ...common, enableAutoPipelining: true, connectionName: `chat-${options.nodeId}` }),
    );
    this.subscriber = new Redis(options.url, { ...common, autoResubscribe: false, connectionName: `chat-${options.nodeId}-sub` });
    this.registry = new RoomRegistry(this.channelBackend());
    for (const [role, connection] of [['commands', this.commands], ['subscriber', this.subscriber]] as const) {
      connection.on('ready', () => this.onConnectionChange());
      connection.on('close', () => this.onConnectionChange());
      connection.on('error', (error: Error) => this.logger.warn({ role, err: error.message }, 'redis connection error'));
    }
    this.subscriber.on('message', (channel: string, payload: string) => this.onChannelPayload(channel, payload));
  }

  async start(timeoutMs = 5000): Promise<void> {
    this.commands.connect().catch(() => undefined);
    this.subscriber.connect().catch(() => undefined);
    this.localPresence.startHeartbeat(Math.max(50, Math.floor(this.options.presenceTtlMs / 3)), () => this.heartbeat());
    if (this.health.isConnected) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        off();
        reject(new BrokerUnavailableError(`redis at ${redactUrl(this.options.url)} is not reachable yet; still retrying`));
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
      await Promise.allSettled(this.localPresence.entries().map(([room, member]) => this.removePresence(room, member.id)));
    }
    this.localPresence.clear();
    if (cleanup) await Promise.allSettled([this.commands.quit(), this.subscriber.quit()]);
    this.commands.disconnect();
    this.subscriber.disconnect();
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
        'PUBLISH',
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
      this.commands.chatPresenceSweep(keys.presence, keys.presenceData, Date.now(), keys.channel, 'PUBLISH', '1'),
    );
    return members.map(decodeMember).filter((member): member is PresenceMember => member !== undefined);
  }

  private announcePresence(room: string, member: PresenceMember): Promise<number> {
    const keys = roomKeys(room);
    const ttl = this.options.presenceTtlMs;
    return this.call(() =>
      this.commands.chatPresenceAdd(keys.presence, keys.presenceData, member.id, Date.now() + ttl, encodeMember(member), keys.channel, 'PUBLISH', ttl * 2),
    );
  }

  private removePresence(room: string, memberId: string): Promise<number> {
    const keys = roomKeys(room);
    return this.call(() => this.commands.chatPresenceRemove(keys.presence, keys.presenceData, memberId, keys.channel, 'PUBLISH'));
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
        return this.commands.chatPresenceSweep(keys.presence, keys.presenceData, now, keys.channel, 'PUBLISH', '0');
      }),
    ]);
  }

  private async read(room: string, after: number, limit: number): Promise<{ position: RoomPosition; messages: ChatMessage[] }> {
    const keys = roomKeys(room);
    const [epoch, offset, payloads] = await this.call(() =>
      this.commands.chatRead(keys.meta, keys.log, keys.cid, newEpochCandidate(), after, limit),
    );
    const messages: ChatMessage[] = [];
    for (const payload of payloads) {
      const message = decodeStoredMessage(room, payload);
      if (message) messages.push(message);
    }
    return { position: { epoch, offset: Number(offset) }, messages };
  }

  /** Runs a Redis call; a connection problem becomes BrokerUnavailableError, a script error stays. */
  private async call<T>(operation: () => Promise<T>): Promise<T> {
    if (this.commands.status !== 'ready') throw new BrokerUnavailableError();
    try {
      return await operation();
    } catch (error) {
      if (error instanceof Error && error.name === 'ReplyError') throw error;
      throw new BrokerUnavailableError();
    }
  }

  private channelBackend(): ChannelBackend {
    return {
      subscribeChannels: async (rooms) => {
        if (this.subscriber.status !== 'ready') throw new BrokerUnavailableError();
        await this.subscriber.subscribe(...rooms.map((room) => roomKeys(room).channel));
      },
      unsubscribeChannel: async (room) => {
        if (this.subscriber.status !== 'ready') return;
        await this.subscriber.unsubscribe(roomKeys(room).channel).catch(() => undefined);
      },
      readRoom: (room, after, limit) => this.read(room, after, limit),
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
    } else {
      this.registry.receive(decoded);
    }
  }

  private onConnectionChange(): void {
    if (this.stopped) return;
    const ready = this.commands.status === 'ready' && this.subscriber.status === 'ready';
    if (!ready) {
      this.health.setConnected(false, 'redis connection lost');
      return;
    }
    if (!this.health.isConnected) void this.resync();
  }

  /** After (re)connecting: resubscribe and backfill every room, re-announce presence, then report ready. */
  private async resync(): Promise<void> {
    if (this.resyncing) return;
    this.resyncing = true;
    try {
      await this.registry.resync();
      await Promise.all(this.localPresence.entries().map(([room, member]) => this.announcePresence(room, member)));
      if (this.commands.status === 'ready' && this.subscriber.status === 'ready') this.health.setConnected(true);
    } catch (error) {
      this.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'resync after reconnect failed; retrying');
      setTimeout(() => this.onConnectionChange(), RESYNC_RETRY_MS).unref();
    } finally {
      this.resyncing = false;
    }
  }
}

function redactUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
