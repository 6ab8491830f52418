import type { Logger } from '../logger.js';
import type { ChannelHub } from './channel-hub.js';
import type { PusherMetrics } from './pusher-metrics.js';
import type { PusherBackend } from './pusher-backend.js';
import type { PusherSettings } from './pusher-settings.js';

/** What every Pusher socket and route of a node shares. */
export interface PusherRuntime {
  readonly backend: PusherBackend;
  readonly hub: ChannelHub;
  readonly metrics: PusherMetrics;
  readonly logger: Logger;
  readonly settings: PusherSettings;
}

/** A frame the server sends on a channel (`data` as text, as Pusher sends it). */
export function channelFrame(event: string, channel: string, data: string): string {
  return `{"event":${JSON.stringify(event)},"channel":${JSON.stringify(channel)},"data":${JSON.stringify(data)}}`;
}
