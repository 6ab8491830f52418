import type { PusherApp } from './pusher-apps.js';

/** A presence member: its user id and its `user_info` as JSON text (as the app's backend signed it). */
export interface PresenceMember {
  readonly id: string;
  readonly infoJson: string;
}

/** Channel traffic as it travels between nodes: the socket to skip ('' for none) and the frame text. */
export interface ChannelPayload {
  readonly exclude: string;
  readonly frame: string;
}

/** A cluster-wide subscription change and what it told about the channel. */
export interface JoinResult {
  /** The channel's members after the join (presence channels only). */
  readonly members?: ReadonlyMap<string, string>;
}

/** A webhook event as Pusher sends it (`name`, `channel` and the fields of its kind). */
export type WebhookEvent = Readonly<Record<string, unknown>> & { readonly name: string };

/** A queued webhook event and its delivery attempt (retries keep the receiver it failed for). */
export interface WebhookJob {
  readonly id: string;
  readonly event: WebhookEvent;
  readonly attempt: number;
  /** Index of the webhook target it is retried for; undefined = every target. */
  readonly target?: number;
}

/** Channel-level facts of the whole cluster. */
export interface ChannelFacts {
  readonly subscriptionCount: number;
  readonly userCount?: number;
}

/** What the node heartbeat learns about the cluster for one app. */
export interface AppHeartbeat {
  /** Connections of the app over every live node, as of this heartbeat. */
  readonly clusterConnections: number;
  /** False when the cluster did not know this node (it was swept as dead, or Redis lost its data). */
  readonly known: boolean;
}

/**
 * What the Pusher protocol needs from the cluster, over apps and channels: per-channel pub/sub
 * (a node listens only to channels its sockets use), cluster-wide subscription counts and presence
 * (one member per user id, a dead node's members gone after the presence TTL), the cache of
 * `cache-` channels, and the webhook queue. Webhook events come out of the changes that cause them,
 * decided where the change is counted, so each happens once for the whole cluster.
 * Two implementations: in memory (one node) and on Redis (any topology).
 */
export interface PusherBackend {
  readonly kind: 'memory' | 'redis';
  start(): Promise<void>;
  stop(): Promise<void>;
  isReady(): boolean;
  /** Receives the traffic of every channel listened to on this node. */
  onPayload(listener: (appId: string, channel: string, payload: ChannelPayload) => void): void;
  /** Starts receiving a channel's traffic on this node (the caller counts its local sockets). */
  listen(appId: string, channel: string): Promise<void>;
  unlisten(appId: string, channel: string): Promise<void>;
  /** Sends a frame to the channel's subscribers on every node; keeps it as the cache of a cache channel. One round trip. */
  publish(app: PusherApp, channel: string, payload: ChannelPayload, options?: { readonly cache?: boolean; readonly webhook?: WebhookEvent }): Promise<void>;
  /** Counts a socket in a channel (as `member` on presence channels); member_added goes out when the user is new. */
  join(app: PusherApp, channel: string, socketId: string, member?: PresenceMember): Promise<JoinResult>;
  /** Uncounts a socket; member_removed goes out when it was the user's last socket in the cluster. */
  leave(app: PusherApp, channel: string, socketId: string, memberId?: string): Promise<void>;
  /** Every occupied channel of the app with its cluster-wide subscription count. */
  channels(app: PusherApp): Promise<ReadonlyMap<string, number>>;
  channel(app: PusherApp, channel: string): Promise<ChannelFacts>;
  members(app: PusherApp, channel: string): Promise<ReadonlyMap<string, string>>;
  /** The last event of a cache channel, as a frame, if any. */
  cached(app: PusherApp, channel: string): Promise<string | undefined>;
  enqueueWebhook(app: PusherApp, event: WebhookEvent): Promise<void>;
  /** Takes up to `max` due webhook jobs, leased to this node for `leaseMs` (a dead node's come back). */
  takeWebhooks(app: PusherApp, max: number, leaseMs: number): Promise<WebhookJob[]>;
  /** Settles taken jobs: `done` are forgotten, `retry` come back after their delay. */
  settleWebhooks(app: PusherApp, done: readonly WebhookJob[], retry: ReadonlyArray<{ readonly job: WebhookJob; readonly delayMs: number }>): Promise<void>;
  /** This node's periodic heartbeat for an app: its connection count; sweeps nodes that stopped. */
  heartbeat(app: PusherApp, connections: number): Promise<AppHeartbeat>;
}

/** `exclude\nframe`: the wire form of a payload (a frame is JSON, so it has no raw newline). */
export function encodePayload(payload: ChannelPayload): string {
  return `${payload.exclude}\n${payload.frame}`;
}

export function decodePayload(text: string): ChannelPayload | undefined {
  const newline = text.indexOf('\n');
  if (newline < 0) return undefined;
  return { exclude: text.slice(0, newline), frame: text.slice(newline + 1) };
}
