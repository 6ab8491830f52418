import type { PusherApp } from './pusher-apps.js';
import type { PresenceMember } from './pusher-backend.js';
import { channelFrame, type PusherRuntime } from './pusher-runtime.js';
import type { ChannelReceiver } from './channel-hub.js';
import { channelType, needsAuth, userOfChannel, type ChannelType } from './channel-types.js';
import { parseChannelData, presenceSucceededData } from './presence-data.js';
import { validChannelAuth } from './signatures.js';

/** One channel a socket is in. */
export interface Subscription {
  readonly type: ChannelType;
  /** Who it counts as, on a presence channel. */
  readonly member?: PresenceMember;
}

/** How a socket answers: frames of its own (not channel traffic from the hub). */
export interface SubscriberOutput {
  sendText(text: string): void;
}

const subscriptionError = (channel: string, type: string, error: string, status: number): string =>
  JSON.stringify({ event: 'pusher:subscription_error', channel, data: { type, error, status } });

/**
 * The channels of one socket: subscribe (checking the signature of private, presence and
 * encrypted channels, counting it cluster-wide, answering with the members of a presence
 * channel and the cached event of a cache channel) and unsubscribe. The socket calls these one
 * at a time, in the order the client sent them.
 */
export class ChannelSubscriptions {
  readonly live = new Map<string, Subscription>();

  constructor(
    private readonly runtime: PusherRuntime,
    private readonly app: PusherApp,
    private readonly receiver: ChannelReceiver,
    private readonly output: SubscriberOutput,
    /** The signed-in user, if any (for `#server-to-user-` channels). */
    private readonly signedInUser: () => string | undefined,
  ) {}

  async subscribe(data: unknown): Promise<void> {
    const { channel, auth, channel_data: channelData } = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
    if (typeof channel !== 'string') return this.output.sendText(subscriptionError('', 'InvalidChannel', 'subscribe needs a channel name', 400));
    const type = channelType(channel);
    if (!type) return this.output.sendText(subscriptionError(channel, 'InvalidChannel', 'channel names are 1-164 characters of A-Z a-z 0-9 _ - = @ , . ;', 400));
    if (this.live.has(channel)) return this.succeeded(channel, this.live.get(channel) as Subscription);
    if (type.kind === 'user') {
      if (userOfChannel(channel) !== this.signedInUser()) return this.output.sendText(subscriptionError(channel, 'AuthError', 'sign in as this user first', 401));
      this.live.set(channel, { type });
      return this.output.sendText(channelFrame('pusher_internal:subscription_succeeded', channel, '{}'));
    }
    const socketId = this.receiver.socketId;
    const member = type.kind === 'presence' ? parseChannelData(channelData) : undefined;
    if (type.kind === 'presence' && !member) return this.output.sendText(subscriptionError(channel, 'AuthError', 'channel_data must be JSON with a user_id', 401));
    if (needsAuth(type) && !validChannelAuth(this.app, socketId, channel, auth, type.kind === 'presence' ? (channelData as string) : undefined)) {
      return this.output.sendText(subscriptionError(channel, 'AuthError', `Invalid signature: expected HMAC SHA256 hex digest of ${socketId}:${channel}${type.kind === 'presence' ? ':<channel_data>' : ''}`, 401));
    }
    const subscription: Subscription = member ? { type, member } : { type };
    try {
      await this.runtime.hub.add(this.app.id, channel, this.receiver);
      const joined = await this.runtime.backend.join(this.app, channel, socketId, member);
      this.live.set(channel, subscription);
      this.output.sendText(channelFrame('pusher_internal:subscription_succeeded', channel, joined.members ? presenceSucceededData(joined.members) : '{}'));
    } catch (error) {
      await this.runtime.hub.remove(this.app.id, channel, this.receiver);
      this.runtime.logger.warn({ channel, err: error instanceof Error ? error.message : String(error) }, 'pusher subscribe failed');
      return this.output.sendText(subscriptionError(channel, 'ServerError', 'the cluster is unavailable; try again', 503));
    }
    if (type.cache) await this.replayCache(channel);
  }

  async unsubscribe(data: unknown): Promise<void> {
    const channel = (data as { channel?: unknown } | null)?.channel;
    if (typeof channel !== 'string') return;
    const subscription = this.live.get(channel);
    if (!subscription) return;
    this.live.delete(channel);
    if (subscription.type.kind === 'user') return;
    await this.leave(channel, subscription);
  }

  /** The socket closed: it leaves every channel. */
  async leaveAll(): Promise<void> {
    const all = [...this.live];
    this.live.clear();
    await Promise.all(all.filter(([, subscription]) => subscription.type.kind !== 'user').map(([channel, subscription]) => this.leave(channel, subscription)));
  }

  /** Counts this socket in its channels again (the cluster forgot this node: swept as dead, or Redis lost its data). */
  async rejoinAll(): Promise<void> {
    await Promise.all(
      [...this.live]
        .filter(([, subscription]) => subscription.type.kind !== 'user')
        .map(([channel, subscription]) => this.runtime.backend.join(this.app, channel, this.receiver.socketId, subscription.member)),
    );
  }

  private async leave(channel: string, subscription: Subscription): Promise<void> {
    await this.runtime.hub.remove(this.app.id, channel, this.receiver);
    await this.runtime.backend.leave(this.app, channel, this.receiver.socketId, subscription.member?.id).catch((error: unknown) => {
      // Not counted out now: the node's heartbeat sweep will, after the presence TTL.
      this.runtime.logger.debug({ channel, err: error instanceof Error ? error.message : String(error) }, 'pusher leave failed');
    });
  }

  private async succeeded(channel: string, subscription: Subscription): Promise<void> {
    const members = subscription.type.kind === 'presence' ? await this.runtime.backend.members(this.app, channel) : undefined;
    this.output.sendText(channelFrame('pusher_internal:subscription_succeeded', channel, members ? presenceSucceededData(members) : '{}'));
  }

  private async replayCache(channel: string): Promise<void> {
    const frame = await this.runtime.backend.cached(this.app, channel).catch(() => undefined);
    if (frame !== undefined) return this.output.sendText(frame);
    this.output.sendText(JSON.stringify({ event: 'pusher:cache_miss', channel }));
    await this.runtime.backend.enqueueWebhook(this.app, { name: 'cache_miss', channel }).catch(() => undefined);
  }
}
