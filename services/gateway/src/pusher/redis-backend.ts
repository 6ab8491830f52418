import type { RedisConnections } from '@chat/core/redis-topology';
import type { Logger } from '../logger.js';
import type { PusherApp } from './pusher-apps.js';
import {
  decodePayload,
  encodePayload,
  type AppHeartbeat,
  type ChannelFacts,
  type ChannelPayload,
  type JoinResult,
  type PresenceMember,
  type PusherBackend,
  type WebhookEvent,
  type WebhookJob,
} from './pusher-backend.js';
import { appKeys, channelOfPubsub } from './redis-keys.js';
import { definePusherScripts, type PusherScripts } from './redis-scripts.js';
import { nextAttempt, parseJob } from './webhook-job.js';

export interface RedisPusherOptions {
  /** The node's connections, shared with its broker and cursor store: the node opens and closes them. */
  readonly connections: RedisConnections;
  readonly nodeId: string;
  /** REDIS_KEY_PREFIX: keys go under `<prefix>pusher:`. */
  readonly keyPrefix: string;
  /** A node silent this long is swept: its sockets leave their channels. */
  readonly presenceTtlMs: number;
  readonly webhookDelayMs: number;
  /** How long a `cache-` channel keeps its last event. */
  readonly cacheTtlMs: number;
  readonly logger: Logger;
}

/** A failed resubscription is tried again after this long while the link is up (a reconnect also retries). */
const RESUBSCRIBE_RETRY_MS = 500;

const memberAddedFrame = (channel: string, member: PresenceMember): string =>
  `{"event":"pusher_internal:member_added","channel":${JSON.stringify(channel)},"data":${JSON.stringify(`{"user_id":${JSON.stringify(member.id)},"user_info":${member.infoJson}}`)}}`;

function pairs(flat: readonly string[]): Map<string, string> {
  const map = new Map<string, string>();
  for (let i = 0; i + 1 < flat.length; i += 2) map.set(flat[i] as string, flat[i + 1] as string);
  return map;
}

/**
 * The Pusher backend on Redis (one server, Sentinel or Cluster) over its node's connections:
 * its pub/sub channels (`<prefix>pusher:{<app>}:ch:…`) share the subscriber with the node's rooms.
 */
export class RedisPusherBackend implements PusherBackend {
  readonly kind = 'redis' as const;
  private readonly redis: RedisConnections;
  private readonly scripts: PusherScripts;
  private readonly listened = new Set<string>();
  private readonly listeners: Array<(appId: string, channel: string, payload: ChannelPayload) => void> = [];
  private wasReady = false;
  private stopped = false;

  constructor(private readonly options: RedisPusherOptions) {
    this.redis = options.connections;
    this.scripts = definePusherScripts(this.redis.commands);
  }

  /** Listens on the node's connections from now on: a node without Pusher apps never starts it, so its rooms' messages skip it. */
  start(): Promise<void> {
    this.redis.onMessage((pubsub, text) => this.receive(pubsub, text));
    this.redis.onChange(() => this.onConnectionChange());
    this.redis.onResubscribed(() => void this.resubscribe());
    // The node's broker has usually opened them already: connect() acts once.
    this.redis.connect();
    this.wasReady = this.redis.isReady();
    return Promise.resolve();
  }

  /** Stops resubscribing; the connections stay open for the node's other users (the node closes them). */
  stop(): Promise<void> {
    this.stopped = true;
    return Promise.resolve();
  }

  isReady(): boolean {
    return this.redis.isReady();
  }

  onPayload(listener: (appId: string, channel: string, payload: ChannelPayload) => void): void {
    this.listeners.push(listener);
  }

  async listen(appId: string, channel: string): Promise<void> {
    const pubsub = this.keys(appId).pubsub(channel);
    this.listened.add(pubsub);
    await this.redis.subscribe([pubsub]);
  }

  async unlisten(appId: string, channel: string): Promise<void> {
    const pubsub = this.keys(appId).pubsub(channel);
    this.listened.delete(pubsub);
    await this.redis.unsubscribe(pubsub);
  }

  async publish(app: PusherApp, channel: string, payload: ChannelPayload, options: { cache?: boolean; webhook?: WebhookEvent } = {}): Promise<void> {
    const keys = this.keys(app.id);
    const text = encodePayload(payload);
    const webhook = options.webhook && this.wantsWebhook(app, options.webhook.name) ? JSON.stringify(options.webhook) : '';
    if (!options.cache && webhook === '') {
      await this.redis.commands.call(this.redis.publishCommand, keys.pubsub(channel), text);
      return;
    }
    await this.scripts.pusherPublish(keys.subs, keys.base, channel, text, this.redis.publishCommand, options.cache ? payload.frame : '', this.options.cacheTtlMs, webhook);
  }

  async join(app: PusherApp, channel: string, socketId: string, member?: PresenceMember): Promise<JoinResult> {
    const flat = await this.changeCount(app, channel, 1, member, socketId);
    return member ? { members: pairs(flat) } : {};
  }

  async leave(app: PusherApp, channel: string, _socketId: string, memberId?: string): Promise<void> {
    await this.changeCount(app, channel, -1, memberId === undefined ? undefined : { id: memberId, infoJson: '' }, '');
  }

  async channels(app: PusherApp): Promise<ReadonlyMap<string, number>> {
    const counts = await this.redis.commands.hgetall(this.keys(app.id).subs);
    const result = new Map<string, number>();
    for (const [channel, count] of Object.entries(counts)) if (Number(count) > 0) result.set(channel, Number(count));
    return result;
  }

  async channel(app: PusherApp, channel: string): Promise<ChannelFacts> {
    const keys = this.keys(app.id);
    const [count, users] = await Promise.all([this.redis.commands.hget(keys.subs, channel), channel.startsWith('presence-') ? this.redis.commands.hlen(keys.users(channel)) : undefined]);
    const subscriptionCount = Number(count ?? 0);
    return users === undefined ? { subscriptionCount } : { subscriptionCount, userCount: users };
  }

  async members(app: PusherApp, channel: string): Promise<ReadonlyMap<string, string>> {
    return new Map(Object.entries(await this.redis.commands.hgetall(this.keys(app.id).info(channel))));
  }

  async cached(app: PusherApp, channel: string): Promise<string | undefined> {
    return (await this.redis.commands.get(this.keys(app.id).cache(channel))) ?? undefined;
  }

  async enqueueWebhook(app: PusherApp, event: WebhookEvent): Promise<void> {
    if (!this.wantsWebhook(app, event.name)) return;
    const keys = this.keys(app.id);
    // An empty payload to a channel nobody listens to: the script's publish is harmless.
    await this.scripts.pusherPublish(keys.subs, keys.base, '', '\n', this.redis.publishCommand, '', 0, JSON.stringify(event));
  }

  async takeWebhooks(app: PusherApp, max: number, leaseMs: number): Promise<WebhookJob[]> {
    const keys = this.keys(app.id);
    const raw = await this.scripts.pusherWebhookTake(keys.subs, keys.base, Date.now(), max, leaseMs);
    return raw.map(parseJob).filter((job): job is WebhookJob => job !== undefined);
  }

  async settleWebhooks(app: PusherApp, done: readonly WebhookJob[], retry: ReadonlyArray<{ job: WebhookJob; delayMs: number }>): Promise<void> {
    if (done.length === 0 && retry.length === 0) return;
    const keys = this.keys(app.id);
    const retries = retry.flatMap(({ job, delayMs }) => [job.id, nextAttempt(job), delayMs]);
    await this.scripts.pusherWebhookSettle(keys.subs, keys.base, Date.now(), done.length, ...done.map((job) => job.id), ...retries);
  }

  async heartbeat(app: PusherApp, connections: number): Promise<AppHeartbeat> {
    const keys = this.keys(app.id);
    const [total, known] = await this.scripts.pusherHeartbeat(
      keys.subs,
      keys.base,
      this.options.nodeId,
      Date.now(),
      this.options.presenceTtlMs,
      connections,
      this.redis.publishCommand,
      app.webhooks.length > 0 ? '1' : '0',
      this.options.webhookDelayMs,
    );
    return { clusterConnections: Number(total), known: known === 1 };
  }

  private changeCount(app: PusherApp, channel: string, delta: 1 | -1, member: PresenceMember | undefined, socketId: string): Promise<string[]> {
    const keys = this.keys(app.id);
    return this.scripts.pusherJoin(
      keys.subs,
      keys.base,
      this.options.nodeId,
      channel,
      delta,
      member?.id ?? '',
      member?.infoJson ?? '',
      member && delta > 0 ? `${socketId}\n${memberAddedFrame(channel, member)}` : '',
      this.redis.publishCommand,
      app.webhooks.length > 0 ? '1' : '0',
      Date.now(),
      this.options.webhookDelayMs,
    );
  }

  private wantsWebhook(app: PusherApp, name: string): boolean {
    return app.webhooks.some((target) => !target.eventTypes || target.eventTypes.some((type) => type === name));
  }

  private keys(appId: string) {
    return appKeys(this.options.keyPrefix, appId);
  }

  private receive(pubsub: string, text: string): void {
    // The node's room channels arrive here too: skipped before any decoding.
    const where = channelOfPubsub(this.options.keyPrefix, pubsub);
    if (!where) return;
    const payload = decodePayload(text);
    if (!payload) return;
    for (const listener of this.listeners) listener(where.appId, where.channel, payload);
  }

  private onConnectionChange(): void {
    if (this.stopped) return;
    const ready = this.redis.isReady();
    if (ready && !this.wasReady) void this.resubscribe();
    this.wasReady = ready;
  }

  /**
   * After a reconnect (autoResubscribe is off in the core's factory): every channel of ours again.
   * A failure while the link stays up is retried shortly, as the broker's resync is: waiting for
   * the next reconnect would leave this node's Pusher clients without events meanwhile.
   */
  private async resubscribe(): Promise<void> {
    if (this.stopped || this.listened.size === 0) return;
    await this.redis.subscribe([...this.listened]).catch((error: unknown) => {
      this.options.logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'pusher channels not resubscribed; retrying');
      setTimeout(() => {
        if (this.redis.isReady()) void this.resubscribe();
      }, RESUBSCRIBE_RETRY_MS).unref();
    });
  }
}
