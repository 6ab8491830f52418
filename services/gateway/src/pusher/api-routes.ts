import { ChatError } from '@chat/protocol';
import type Router from '@koa/router';
import type { Context } from 'koa';
import { routeParam } from '../http/route-param.js';
import { parseBatch, parseEvent, parseInfo, pick, publishEvent } from './api-events.js';
import { signedApiRequest } from './api-request.js';
import { channelType, userChannel } from './channel-types.js';
import { TERMINATE_MARK } from './channel-hub.js';
import type { PusherApps } from './pusher-apps.js';
import type { PusherRuntime } from './pusher-runtime.js';

function channelParam(ctx: Context): string {
  const channel = routeParam(ctx, 'channel') ?? '';
  if (!channelType(channel)) throw new ChatError('bad_request', 'invalid channel name');
  return channel;
}

/**
 * The Pusher HTTP API on /apps/:appId, every request signed: events and batches (to every
 * subscriber in the cluster), channel lists and facts, presence users, and terminating a user's
 * connections on every node.
 */
export function mountPusherApi(router: Router, runtime: PusherRuntime, apps: PusherApps): void {
  const { backend } = runtime;

  router.post('/apps/:appId/events', async (ctx) => {
    const { app, body } = await signedApiRequest(ctx, apps);
    const event = parseEvent(app, body);
    const info = await publishEvent(runtime, app, event);
    ctx.body = event.info.length > 0 ? { channels: info } : {};
  });

  router.post('/apps/:appId/batch_events', async (ctx) => {
    const { app, body } = await signedApiRequest(ctx, apps);
    const events = parseBatch(app, body);
    // One after another: two events of one batch to one channel arrive in the batch's order.
    const answers: Array<Record<string, Record<string, number>>> = [];
    for (const event of events) answers.push(await publishEvent(runtime, app, event));
    ctx.body = events.some((event) => event.info.length > 0) ? { batch: answers.map((answer, i) => (events[i]?.channels.length === 1 ? (answer[events[i]?.channels[0] ?? ''] ?? {}) : answer)) } : {};
  });

  router.get('/apps/:appId/channels', async (ctx) => {
    const { app, query } = await signedApiRequest(ctx, apps);
    const prefix = query.get('filter_by_prefix') ?? '';
    const info = parseInfo(query.get('info') ?? undefined);
    if (info.includes('user_count') && !prefix.startsWith('presence-')) throw new ChatError('bad_request', 'user_count needs filter_by_prefix=presence-');
    const counts = await backend.channels(app);
    const channels: Record<string, Record<string, number>> = {};
    for (const [channel, subscriptionCount] of counts) {
      if (!channel.startsWith(prefix)) continue;
      channels[channel] = info.includes('user_count') ? pick(await backend.channel(app, channel), info) : pick({ subscriptionCount }, info);
    }
    ctx.body = { channels };
  });

  router.get('/apps/:appId/channels/:channel', async (ctx) => {
    const { app, query } = await signedApiRequest(ctx, apps);
    const channel = channelParam(ctx);
    const info = parseInfo(query.get('info') ?? undefined);
    if (info.includes('user_count') && !channel.startsWith('presence-')) throw new ChatError('bad_request', 'user_count is only available for presence channels');
    const facts = await backend.channel(app, channel);
    ctx.body = { occupied: facts.subscriptionCount > 0, ...pick(facts, info) };
  });

  router.get('/apps/:appId/channels/:channel/users', async (ctx) => {
    const { app } = await signedApiRequest(ctx, apps);
    const channel = channelParam(ctx);
    if (channelType(channel)?.kind !== 'presence') throw new ChatError('bad_request', 'users are listed for presence channels only');
    const members = await backend.members(app, channel);
    ctx.body = { users: [...members.keys()].map((id) => ({ id })) };
  });

  router.post('/apps/:appId/users/:userId/terminate_connections', async (ctx) => {
    const { app } = await signedApiRequest(ctx, apps);
    const userId = routeParam(ctx, 'userId') ?? '';
    if (userId.length === 0 || userId.length > 200) throw new ChatError('bad_request', 'invalid user id');
    await backend.publish(app, userChannel(userId), { exclude: TERMINATE_MARK, frame: '{}' });
    ctx.body = {};
  });
}
