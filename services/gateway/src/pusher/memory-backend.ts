import type { PusherApp } from './pusher-apps.js';
import type { AppHeartbeat, ChannelFacts, ChannelPayload, JoinResult, PresenceMember, PusherBackend, WebhookEvent, WebhookJob } from './pusher-backend.js';

interface AppState {
  readonly subs: Map<string, number>;
  /** channel → user → sockets */
  readonly users: Map<string, Map<string, number>>;
  /** channel → user → user_info JSON */
  readonly info: Map<string, Map<string, string>>;
  readonly cache: Map<string, { frame: string; until: number }>;
  readonly ready: WebhookJob[];
  /** key → due time and job (vacated / member_removed / retries), cancelled by a quick return. */
  readonly delayed: Map<string, { due: number; job: WebhookJob; still: () => boolean }>;
  readonly inflight: Map<string, { until: number; job: WebhookJob }>;
}

const memberAddedFrame = (channel: string, member: PresenceMember): string =>
  `{"event":"pusher_internal:member_added","channel":${JSON.stringify(channel)},"data":${JSON.stringify(`{"user_id":${JSON.stringify(member.id)},"user_info":${member.infoJson}}`)}}`;
const memberRemovedFrame = (channel: string, user: string): string =>
  JSON.stringify({ event: 'pusher_internal:member_removed', channel, data: JSON.stringify({ user_id: user }) });

/** The Pusher backend of a node alone (no Redis): the same behaviour, in this process. */
export class MemoryPusherBackend implements PusherBackend {
  readonly kind = 'memory' as const;
  private readonly apps = new Map<string, AppState>();
  private readonly listened = new Set<string>();
  private readonly listeners: Array<(appId: string, channel: string, payload: ChannelPayload) => void> = [];
  private sequence = 0;

  constructor(private readonly options: { readonly webhookDelayMs: number; readonly cacheTtlMs: number }) {}

  start(): Promise<void> {
    return Promise.resolve();
  }

  stop(): Promise<void> {
    return Promise.resolve();
  }

  isReady(): boolean {
    return true;
  }

  onPayload(listener: (appId: string, channel: string, payload: ChannelPayload) => void): void {
    this.listeners.push(listener);
  }

  listen(appId: string, channel: string): Promise<void> {
    this.listened.add(`${appId}\n${channel}`);
    return Promise.resolve();
  }

  unlisten(appId: string, channel: string): Promise<void> {
    this.listened.delete(`${appId}\n${channel}`);
    return Promise.resolve();
  }

  publish(app: PusherApp, channel: string, payload: ChannelPayload, options: { cache?: boolean; webhook?: WebhookEvent } = {}): Promise<void> {
    const state = this.state(app.id);
    if (options.cache) state.cache.set(channel, { frame: payload.frame, until: Date.now() + this.options.cacheTtlMs });
    if (options.webhook) this.enqueue(app, options.webhook);
    this.deliver(app.id, channel, payload);
    return Promise.resolve();
  }

  join(app: PusherApp, channel: string, socketId: string, member?: PresenceMember): Promise<JoinResult> {
    const state = this.state(app.id);
    const count = (state.subs.get(channel) ?? 0) + 1;
    state.subs.set(channel, count);
    if (count === 1 && !this.cancel(state, `v\n${channel}`)) this.enqueue(app, { name: 'channel_occupied', channel });
    if (!member) return Promise.resolve({});
    const users = mapIn(state.users, channel);
    const info = mapIn(state.info, channel);
    const sockets = (users.get(member.id) ?? 0) + 1;
    users.set(member.id, sockets);
    if (sockets === 1) {
      info.set(member.id, member.infoJson);
      this.deliver(app.id, channel, { exclude: socketId, frame: memberAddedFrame(channel, member) });
      if (!this.cancel(state, `r\n${channel}\n${member.id}`)) this.enqueue(app, { name: 'member_added', channel, user_id: member.id });
    }
    return Promise.resolve({ members: new Map(info) });
  }

  leave(app: PusherApp, channel: string, _socketId: string, memberId?: string): Promise<void> {
    const state = this.state(app.id);
    if (memberId !== undefined) {
      const users = mapIn(state.users, channel);
      const sockets = (users.get(memberId) ?? 1) - 1;
      if (sockets > 0) users.set(memberId, sockets);
      else {
        users.delete(memberId);
        state.info.get(channel)?.delete(memberId);
        if (users.size === 0) {
          state.users.delete(channel);
          state.info.delete(channel);
        }
        this.deliver(app.id, channel, { exclude: '', frame: memberRemovedFrame(channel, memberId) });
        this.later(app, state, `r\n${channel}\n${memberId}`, { name: 'member_removed', channel, user_id: memberId }, () => !state.users.get(channel)?.has(memberId));
      }
    }
    const count = (state.subs.get(channel) ?? 1) - 1;
    if (count > 0) state.subs.set(channel, count);
    else {
      state.subs.delete(channel);
      this.later(app, state, `v\n${channel}`, { name: 'channel_vacated', channel }, () => !state.subs.has(channel));
    }
    return Promise.resolve();
  }

  channels(app: PusherApp): Promise<ReadonlyMap<string, number>> {
    return Promise.resolve(new Map(this.state(app.id).subs));
  }

  channel(app: PusherApp, channel: string): Promise<ChannelFacts> {
    const state = this.state(app.id);
    const subscriptionCount = state.subs.get(channel) ?? 0;
    return Promise.resolve(channel.startsWith('presence-') ? { subscriptionCount, userCount: state.users.get(channel)?.size ?? 0 } : { subscriptionCount });
  }

  members(app: PusherApp, channel: string): Promise<ReadonlyMap<string, string>> {
    return Promise.resolve(new Map(this.state(app.id).info.get(channel)));
  }

  cached(app: PusherApp, channel: string): Promise<string | undefined> {
    const entry = this.state(app.id).cache.get(channel);
    return Promise.resolve(entry && entry.until > Date.now() ? entry.frame : undefined);
  }

  enqueueWebhook(app: PusherApp, event: WebhookEvent): Promise<void> {
    this.enqueue(app, event);
    return Promise.resolve();
  }

  takeWebhooks(app: PusherApp, max: number, leaseMs: number): Promise<WebhookJob[]> {
    const state = this.state(app.id);
    const now = Date.now();
    for (const [id, { until, job }] of state.inflight) {
      if (until > now) continue;
      state.inflight.delete(id);
      state.ready.unshift(job);
    }
    for (const [key, { due, job, still }] of state.delayed) {
      if (due > now) continue;
      state.delayed.delete(key);
      if (still()) state.ready.push(job);
    }
    const taken = state.ready.splice(0, max);
    for (const job of taken) state.inflight.set(job.id, { until: now + leaseMs, job });
    return Promise.resolve(taken);
  }

  settleWebhooks(app: PusherApp, done: readonly WebhookJob[], retry: ReadonlyArray<{ job: WebhookJob; delayMs: number }>): Promise<void> {
    const state = this.state(app.id);
    for (const job of done) state.inflight.delete(job.id);
    for (const { job, delayMs } of retry) {
      state.inflight.delete(job.id);
      const next = { ...job, id: String(++this.sequence), attempt: job.attempt + 1 };
      state.delayed.set(`x\n${next.id}`, { due: Date.now() + delayMs, job: next, still: () => true });
    }
    return Promise.resolve();
  }

  heartbeat(): Promise<AppHeartbeat> {
    return Promise.resolve({ clusterConnections: 0, known: true });
  }

  private deliver(appId: string, channel: string, payload: ChannelPayload): void {
    if (!this.listened.has(`${appId}\n${channel}`)) return;
    for (const listener of this.listeners) listener(appId, channel, payload);
  }

  private enqueue(app: PusherApp, event: WebhookEvent): void {
    if (app.webhooks.length === 0) return;
    this.state(app.id).ready.push({ id: String(++this.sequence), event, attempt: 0 });
  }

  private later(app: PusherApp, state: AppState, key: string, event: WebhookEvent, still: () => boolean): void {
    if (app.webhooks.length === 0) return;
    state.delayed.set(key, { due: Date.now() + this.options.webhookDelayMs, job: { id: String(++this.sequence), event, attempt: 0 }, still });
  }

  private cancel(state: AppState, key: string): boolean {
    return state.delayed.delete(key);
  }

  private state(appId: string): AppState {
    let state = this.apps.get(appId);
    if (!state) {
      state = { subs: new Map(), users: new Map(), info: new Map(), cache: new Map(), ready: [], delayed: new Map(), inflight: new Map() };
      this.apps.set(appId, state);
    }
    return state;
  }
}

function mapIn<V>(outer: Map<string, Map<string, V>>, key: string): Map<string, V> {
  let inner = outer.get(key);
  if (!inner) outer.set(key, (inner = new Map<string, V>()));
  return inner;
}
