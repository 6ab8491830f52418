import { ChatError } from '@chat/protocol';
import type { PusherApp } from './pusher-apps.js';
import { channelType } from './channel-types.js';
import { channelFrame, type PusherRuntime } from './pusher-runtime.js';

const MAX_CHANNELS = 100;
const MAX_BATCH = 10;
const MAX_EVENT_NAME = 200;
const SOCKET_ID = /^\d+\.\d+$/;

/** One event to publish, validated. */
interface EventRequest {
  readonly name: string;
  readonly channels: readonly string[];
  readonly data: string;
  readonly socketId: string;
  readonly info: readonly string[];
}

export function parseInfo(value: unknown): string[] {
  if (value === undefined) return [];
  if (typeof value !== 'string') throw new ChatError('bad_request', 'info must be a comma list');
  const fields = value.split(',').map((field) => field.trim()).filter(Boolean);
  for (const field of fields) if (field !== 'user_count' && field !== 'subscription_count') throw new ChatError('bad_request', `unknown info attribute ${field}`);
  return fields;
}

/** Validates one event of `/events` (with `channels` or `channel`) or of a `/batch_events` batch. */
export function parseEvent(app: PusherApp, value: unknown): EventRequest {
  if (typeof value !== 'object' || value === null) throw new ChatError('bad_request', 'an event must be a JSON object');
  const { name, data, channels, channel, socket_id: socketId, info } = value as Record<string, unknown>;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_EVENT_NAME) throw new ChatError('bad_request', `name must be 1-${MAX_EVENT_NAME} characters`);
  if (typeof data !== 'string') throw new ChatError('bad_request', 'data must be a string (JSON-encode objects)');
  if (Buffer.byteLength(data) > app.maxEventBytes) throw new ChatError('frame_too_big', `data is larger than ${app.maxEventBytes} bytes`);
  const list = Array.isArray(channels) ? channels : typeof channel === 'string' ? [channel] : undefined;
  if (!list || list.length === 0) throw new ChatError('bad_request', 'channels (a list) or channel is required');
  if (list.length > MAX_CHANNELS) throw new ChatError('bad_request', `at most ${MAX_CHANNELS} channels per event`);
  for (const item of list) {
    if (typeof item !== 'string' || !channelType(item)) throw new ChatError('bad_request', `invalid channel name ${JSON.stringify(item).slice(0, 200)}`);
  }
  if (socketId !== undefined && (typeof socketId !== 'string' || !SOCKET_ID.test(socketId))) throw new ChatError('bad_request', 'socket_id must look like 123.456');
  const fields = parseInfo(info);
  if (fields.includes('user_count') && list.some((item) => !String(item).startsWith('presence-'))) {
    throw new ChatError('bad_request', 'user_count is only available for presence channels');
  }
  return { name, channels: list as string[], data, socketId: typeof socketId === 'string' ? socketId : '', info: fields };
}

export function parseBatch(app: PusherApp, body: Record<string, unknown> | undefined): EventRequest[] {
  const batch = body?.batch;
  if (!Array.isArray(batch)) throw new ChatError('bad_request', 'batch must be a list of events');
  if (batch.length > MAX_BATCH) throw new ChatError('bad_request', `at most ${MAX_BATCH} events per batch`);
  return batch.map((event) => parseEvent(app, event));
}

/** Publishes one event to each of its channels (one round trip each, in parallel); resolves with its `info` answer. */
export async function publishEvent(runtime: PusherRuntime, app: PusherApp, event: EventRequest): Promise<Record<string, Record<string, number>>> {
  await Promise.all(
    event.channels.map((channel) =>
      runtime.backend.publish(app, channel, { exclude: event.socketId, frame: channelFrame(event.name, channel, event.data) }, { cache: channelType(channel)?.cache === true }),
    ),
  );
  runtime.metrics.of(app.id).apiEvents += 1;
  if (event.info.length === 0) return {};
  const facts = await Promise.all(event.channels.map(async (channel) => [channel, await runtime.backend.channel(app, channel)] as const));
  return Object.fromEntries(facts.map(([channel, fact]) => [channel, pick(fact, event.info)]));
}

/** The asked-for attributes of a channel's facts, named as Pusher names them. */
export function pick(facts: { subscriptionCount: number; userCount?: number }, fields: readonly string[]): Record<string, number> {
  const result: Record<string, number> = {};
  if (fields.includes('subscription_count')) result.subscription_count = facts.subscriptionCount;
  if (fields.includes('user_count') && facts.userCount !== undefined) result.user_count = facts.userCount;
  return result;
}
