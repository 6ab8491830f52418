import { readFileSync } from 'node:fs';
import { z } from 'zod';

/** Where an app's webhooks go, and which events each receiver wants (every event when unset). */
export interface WebhookTarget {
  readonly url: URL;
  readonly eventTypes?: readonly WebhookEventName[];
}

export const WEBHOOK_EVENT_NAMES = ['channel_occupied', 'channel_vacated', 'member_added', 'member_removed', 'client_event', 'cache_miss'] as const;
export type WebhookEventName = (typeof WEBHOOK_EVENT_NAMES)[number];

/** One Pusher app: its credentials, webhooks and limits. Apps never see each other's channels. */
export interface PusherApp {
  readonly id: string;
  readonly key: string;
  readonly secret: string;
  readonly enabled: boolean;
  readonly webhooks: readonly WebhookTarget[];
  /** Connections of this app over the whole cluster; 0 = no limit (4004 past it). */
  readonly maxConnections: number;
  /** Client events one connection may send per second (4301 past it). */
  readonly clientEventsPerSec: number;
  /** Whether client events are allowed at all (on private and presence channels). */
  readonly clientEvents: boolean;
  /** When set, a connection must sign in within this many ms or is closed with 4009. */
  readonly signinTimeoutMs: number | undefined;
  /** Largest `data` of one event, in bytes (HTTP API 413 and client events past it). */
  readonly maxEventBytes: number;
}

const name = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . -');
const httpUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'must be an http:// or https:// URL')
  .transform((value) => new URL(value));

const webhookSchema = z.union([
  httpUrl.transform((url): WebhookTarget => ({ url })),
  z
    .object({ url: httpUrl, event_types: z.array(z.enum(WEBHOOK_EVENT_NAMES)).optional() })
    .strict()
    .transform(({ url, event_types }): WebhookTarget => (event_types ? { url, eventTypes: event_types } : { url })),
]);

const appSchema = z
  .object({
    id: z.union([name, z.number().int().nonnegative().transform(String)]),
    key: name,
    secret: z.string().min(8, 'must be at least 8 characters'),
    enabled: z.boolean().default(true),
    webhooks: z.array(webhookSchema).default([]),
    max_connections: z.number().int().nonnegative().default(0),
    client_events: z.boolean().default(true),
    client_events_per_sec: z.number().int().positive().default(10),
    signin_timeout_ms: z.number().int().positive().optional(),
    max_event_bytes: z.number().int().positive().default(10_240),
  })
  .strict()
  .transform((app): PusherApp => ({
    id: app.id,
    key: app.key,
    secret: app.secret,
    enabled: app.enabled,
    webhooks: app.webhooks,
    maxConnections: app.max_connections,
    clientEvents: app.client_events,
    clientEventsPerSec: app.client_events_per_sec,
    signinTimeoutMs: app.signin_timeout_ms,
    maxEventBytes: app.max_event_bytes,
  }));

/** The PUSHER_* environment variables, as strings. */
export interface PusherAppVariables {
  readonly PUSHER_APP_ID?: string | undefined;
  readonly PUSHER_APP_KEY?: string | undefined;
  readonly PUSHER_APP_SECRET?: string | undefined;
  readonly PUSHER_WEBHOOK_URL?: string | undefined;
  readonly PUSHER_APPS_FILE?: string | undefined;
}

/** Thrown for a bad app definition; the message names the variable or the file. */
export class PusherAppsError extends Error {}

function issuesOf(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`).join('; ');
}

function appFromVariables(env: PusherAppVariables): PusherApp | undefined {
  const given = [env.PUSHER_APP_ID, env.PUSHER_APP_KEY, env.PUSHER_APP_SECRET].filter((value) => value !== undefined);
  if (given.length === 0) {
    if (env.PUSHER_WEBHOOK_URL !== undefined) throw new PusherAppsError('PUSHER_WEBHOOK_URL: only meaningful with PUSHER_APP_ID, PUSHER_APP_KEY and PUSHER_APP_SECRET');
    return undefined;
  }
  if (given.length < 3) throw new PusherAppsError('PUSHER_APP_ID, PUSHER_APP_KEY, PUSHER_APP_SECRET: set all three or none');
  const webhooks = (env.PUSHER_WEBHOOK_URL ?? '').split(',').map((url) => url.trim()).filter(Boolean);
  const parsed = appSchema.safeParse({ id: env.PUSHER_APP_ID, key: env.PUSHER_APP_KEY, secret: env.PUSHER_APP_SECRET, webhooks });
  if (!parsed.success) throw new PusherAppsError(`PUSHER_APP_*: ${issuesOf(parsed.error)}`);
  return parsed.data;
}

function appsFromFile(path: string): PusherApp[] {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new PusherAppsError(`PUSHER_APPS_FILE: cannot read ${path} as JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  const list = Array.isArray(value) ? value : (value as { apps?: unknown } | null)?.apps;
  const parsed = z.array(appSchema).safeParse(list);
  if (!parsed.success) throw new PusherAppsError(`PUSHER_APPS_FILE: ${issuesOf(parsed.error)}`);
  return parsed.data;
}

/** Reads the apps from PUSHER_APP_* and PUSHER_APPS_FILE (both may be set); ids and keys must be unique. */
export function readPusherApps(env: PusherAppVariables): PusherApp[] {
  const apps = [...(env.PUSHER_APPS_FILE === undefined ? [] : appsFromFile(env.PUSHER_APPS_FILE))];
  const single = appFromVariables(env);
  if (single) apps.unshift(single);
  for (const field of ['id', 'key'] as const) {
    const seen = new Set<string>();
    for (const app of apps) {
      if (seen.has(app[field])) throw new PusherAppsError(`Pusher apps: the ${field} '${app[field]}' is used twice`);
      seen.add(app[field]);
    }
  }
  return apps;
}

/** The configured apps, found by key (WebSocket) or id (HTTP API). */
export class PusherApps {
  private readonly byKey = new Map<string, PusherApp>();
  private readonly byId = new Map<string, PusherApp>();

  constructor(readonly list: readonly PusherApp[]) {
    for (const app of list) {
      this.byKey.set(app.key, app);
      this.byId.set(app.id, app);
    }
  }

  withKey(key: string): PusherApp | undefined {
    return this.byKey.get(key);
  }

  withId(id: string): PusherApp | undefined {
    return this.byId.get(id);
  }
}
