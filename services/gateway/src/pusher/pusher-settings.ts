import { readPusherApps, type PusherApp, type PusherAppVariables } from './pusher-apps.js';

/** How the Pusher protocol behaves on this node (from the PUSHER_* variables). */
export interface PusherSettings {
  readonly apps: readonly PusherApp[];
  /** Told to clients in connection_established; a silent client is pinged after this many seconds. */
  readonly activityTimeoutS: number;
  /** A pinged client that does not answer within this is closed with 4201. */
  readonly pongTimeoutMs: number;
  /** channel_vacated and member_removed webhooks wait this long, so a quick reconnect causes neither. */
  readonly webhookDelayMs: number;
}

export interface PusherVariables extends PusherAppVariables {
  readonly PUSHER_ACTIVITY_TIMEOUT_S: number;
  readonly PUSHER_PONG_TIMEOUT_MS: number;
  readonly PUSHER_WEBHOOK_DELAY_MS: number;
}

/** Builds the settings; a bad app definition throws PusherAppsError naming the variable. */
export function pusherSettings(env: PusherVariables): PusherSettings {
  return {
    apps: readPusherApps(env),
    activityTimeoutS: env.PUSHER_ACTIVITY_TIMEOUT_S,
    pongTimeoutMs: env.PUSHER_PONG_TIMEOUT_MS,
    webhookDelayMs: env.PUSHER_WEBHOOK_DELAY_MS,
  };
}
