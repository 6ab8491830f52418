import type { TokenBucket } from '@chat/core';
import type { PusherApp } from './pusher-apps.js';
import { errorFrame } from './pusher-errors.js';
import type { PusherRuntime } from './pusher-runtime.js';
import { allowsClientEvents } from './channel-types.js';
import type { Subscription } from './channel-subscriptions.js';

/** The sender of a client event, as the relay needs it. */
export interface ClientEventSender {
  readonly socketId: string;
  readonly bucket: TokenBucket;
  subscription(channel: string): Subscription | undefined;
  sendText(text: string): void;
}

/**
 * Relays a `client-*` event to every other subscriber of its private or presence channel in the
 * cluster (never back to the sender; with `user_id` on presence channels), at most the app's
 * rate per connection, and queues its client_event webhook in the same round trip.
 */
export async function relayClientEvent(runtime: PusherRuntime, app: PusherApp, sender: ClientEventSender, message: Record<string, unknown>): Promise<void> {
  const { event, channel, data } = message as { event: string; channel?: unknown; data?: unknown };
  if (!app.clientEvents) return sender.sendText(errorFrame('bad_message', 'client events are turned off for this app'));
  if (typeof channel !== 'string') return sender.sendText(errorFrame('bad_message', 'a client event needs a channel'));
  const subscription = sender.subscription(channel);
  if (!subscription) return sender.sendText(errorFrame('bad_message', `not subscribed to ${channel}`));
  if (!allowsClientEvents(subscription.type)) return sender.sendText(errorFrame('bad_message', 'client events are allowed on private and presence channels only'));
  if (sender.bucket.take() > 0) return sender.sendText(errorFrame('client_event_rejected', `Client event rejected - only ${app.clientEventsPerSec} accepted per second`));
  const dataText = typeof data === 'string' ? data : JSON.stringify(data ?? null);
  if (Buffer.byteLength(dataText) > app.maxEventBytes) return sender.sendText(errorFrame('bad_message', `event data is larger than ${app.maxEventBytes} bytes`));
  const userId = subscription.member?.id;
  const frame = JSON.stringify(userId === undefined ? { event, channel, data } : { event, channel, data, user_id: userId });
  const webhook = { name: 'client_event', channel, event, data: dataText, socket_id: sender.socketId, ...(userId === undefined ? {} : { user_id: userId }) };
  runtime.metrics.of(app.id).clientEvents += 1;
  await runtime.backend.publish(app, channel, { exclude: sender.socketId, frame }, { cache: subscription.type.cache, webhook }).catch((error: unknown) => {
    runtime.logger.debug({ channel, err: error instanceof Error ? error.message : String(error) }, 'client event not relayed');
  });
}
