import { hostname } from 'node:os';
import { z } from 'zod';
import type { RedisBrokerOptions } from '@chat/core';
import { readPublicKeyFile, type AuthSettings, type PublicKeyPem } from './auth/auth-settings.js';
import { pusherSettings, type PusherSettings } from './pusher/pusher-settings.js';

type RedisTopology = NonNullable<RedisBrokerOptions['topology']>;

const int = (fallback: number, min = 0, max = Number.MAX_SAFE_INTEGER) =>
  z
    .string()
    .trim()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((value) => value ?? fallback);

const list = z
  .string()
  .optional()
  .transform((value) => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean));

/**
 * An allowed origin as a browser sends it in `Origin` (scheme, host, port; lower case; no default
 * port, no path), so `HTTPS://Chat.Example.com:443/` still matches; undefined when it is not one.
 */
function originOf(item: string): string | undefined {
  if (!URL.canParse(item)) return undefined;
  const url = new URL(item);
  const bare = url.pathname === '/' && url.search === '' && url.hash === '' && url.username === '' && url.password === '';
  return /^https?:$/.test(url.protocol) && bare ? url.origin : undefined;
}

const origins = list
  .refine((items) => items.every((item) => item === '*' || originOf(item) !== undefined), 'must be * or a comma list of origins like https://chat.example.com')
  .transform((items) => items.map((item) => (item === '*' ? item : (originOf(item) ?? item))));

const hostPort = /^[^\s,:]+:\d{1,5}$/;
const addresses = z
  .string()
  .optional()
  .transform((value) => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean))
  .refine((items) => items.every((item) => hostPort.test(item) && Number(item.split(':').pop()) <= 65535), 'must be a comma list of host:port')
  .transform((items) => items.map((item) => {
    const at = item.lastIndexOf(':');
    return { host: item.slice(0, at), port: Number(item.slice(at + 1)) };
  }));

/** `announced=reachable,…` of host:port pairs: where this node reaches each address a Redis Cluster or Sentinel announces. */
const natMap = z
  .string()
  .optional()
  .transform((value) => (value ?? '').split(',').map((item) => item.trim()).filter(Boolean))
  .refine((items) => items.every((item) => item.split('=').length === 2 && item.split('=').every((side) => hostPort.test(side.trim()))), 'must be a comma list of host:port=host:port')
  .transform((items) =>
    Object.fromEntries(
      items.map((item) => {
        const [announced = '', reachable = ''] = item.split('=').map((side) => side.trim());
        const at = reachable.lastIndexOf(':');
        return [announced, { host: reachable.slice(0, at), port: Number(reachable.slice(at + 1)) }];
      }),
    ),
  );

const httpUrl = z
  .string()
  .refine((value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol), 'must be an http:// or https:// URL')
  .transform((value) => new URL(value));

const publicKeyFile = z.string().transform((path, ctx): PublicKeyPem => {
  try {
    return readPublicKeyFile(path);
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: error instanceof Error ? error.message : String(error) });
    return z.NEVER;
  }
});

const schema = z.object({
  PORT: int(8080, 0, 65535),
  HOST: z.string().min(1).default('0.0.0.0'),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\/[^\s]+$/, 'must look like redis://host:port/db')
    .optional(),
  REDIS_CLUSTER_NODES: addresses,
  REDIS_NAT_MAP: natMap,
  REDIS_SENTINELS: addresses,
  REDIS_SENTINEL_NAME: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . -').optional(),
  NODE_ID: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . : -').optional(),
  TCP_PORT: int(-1, 0, 65535),
  HISTORY_SIZE: int(1000, 1, 1_000_000),
  ROOM_TTL_MS: int(30 * 24 * 3_600_000, 0),
  REDIS_KEY_PREFIX: z.string().regex(/^[A-Za-z0-9_.:-]{1,64}$/, 'must be 1-64 characters of A-Z a-z 0-9 _ . : -').default('chat:'),
  IDLE_TICK_MS: int(10_000, 10),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PRESENCE_TTL_MS: int(15_000, 100),
  MAX_TEXT_LENGTH: int(4000, 1, 1_000_000),
  MAX_FRAME_BYTES: int(65_536, 256, 16 * 1024 * 1024),
  MAX_ROOMS_PER_CONNECTION: int(100, 1, 100_000),
  SEND_BUFFER_BYTES: int(1_048_576, 1024),
  WS_HEARTBEAT_MS: int(30_000, 10),
  SSE_HEARTBEAT_MS: int(15_000, 10),
  DRAIN_TIMEOUT_MS: int(10_000, 0),
  TCP_MAX_CONNECTIONS: int(1000, 1),
  MAX_LINE_BYTES: int(4096, 16),
  RATE_SENDS_PER_SEC: int(20, 0),
  RATE_SENDS_BURST: int(40, 1),
  ALLOWED_ORIGINS: origins,
  AUTH_SECRET: z.string().min(16, 'must be at least 16 characters').optional(),
  AUTH_JWKS_URL: httpUrl.optional(),
  AUTH_JWKS_COOLDOWN_MS: int(30_000, 0),
  AUTH_PUBLIC_KEY_FILE: publicKeyFile.optional(),
  AUTH_ISSUER: z.string().min(1).optional(),
  AUTH_AUDIENCE: list,
  AUTH_REQUIRE_EXP: z.enum(['true', 'false'], { message: 'must be true or false' }).default('true').transform((value) => value === 'true'),
  TRUSTED_PROXIES: list,
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  MAX_CONNECTIONS_PER_IP: int(1000, 0),
  RATE_JOINS_PER_SEC: int(10, 0),
  RATE_JOINS_BURST: int(20, 1),
  RATE_FRAMES_PER_SEC: int(10, 0),
  RATE_FRAMES_BURST: int(20, 1),
  STREAM_CURSOR_TTL_MS: int(86_400_000, 1000),
  RATE_READS_PER_SEC: int(20, 0),
  RATE_READS_BURST: int(60, 1),
  PRESENCE_EVENTS_MAX: int(200, 0),
  WRITE_BATCH_MS: int(0, 0, 1000),
  REDIS_PING_INTERVAL_MS: int(1000, 0),
  REDIS_TIMEOUT_MS: int(2000, 0),
  BROKER_LOSS_GRACE_MS: int(3000, 0),
  BROKER_LOSS_SPREAD_MS: int(2000, 0),
  PUSHER_APP_ID: z.string().optional(),
  PUSHER_APP_KEY: z.string().optional(),
  PUSHER_APP_SECRET: z.string().optional(),
  PUSHER_WEBHOOK_URL: z.string().optional(),
  PUSHER_APPS_FILE: z.string().optional(),
  PUSHER_ACTIVITY_TIMEOUT_S: int(120, 1, 3600),
  PUSHER_PONG_TIMEOUT_MS: int(30_000, 10),
  PUSHER_WEBHOOK_DELAY_MS: int(3000, 0),
});

/** Every environment variable the gateway reads (for checks of deployment manifests). */
export const CONFIG_VARIABLES: readonly string[] = Object.keys(schema.shape);

export type GatewayConfig = ReturnType<typeof toConfig>;

type Env = z.infer<typeof schema>;

/** At most one of REDIS_URL / REDIS_CLUSTER_NODES / REDIS_SENTINELS; none = the embedded broker. */
function toRedisTopology(env: Env): RedisTopology | undefined {
  const chosen = [
    env.REDIS_URL !== undefined && 'REDIS_URL',
    env.REDIS_CLUSTER_NODES.length > 0 && 'REDIS_CLUSTER_NODES',
    env.REDIS_SENTINELS.length > 0 && 'REDIS_SENTINELS',
  ].filter((name): name is string => Boolean(name));
  if (chosen.length > 1) {
    throw new ConfigError(`invalid configuration: set only one of REDIS_URL, REDIS_CLUSTER_NODES, REDIS_SENTINELS (got ${chosen.join(' and ')})`);
  }
  if (env.REDIS_SENTINELS.length > 0 && !env.REDIS_SENTINEL_NAME) {
    throw new ConfigError('invalid configuration: REDIS_SENTINEL_NAME: required with REDIS_SENTINELS (the monitored primary\'s name)');
  }
  if (env.REDIS_SENTINEL_NAME && env.REDIS_SENTINELS.length === 0) {
    throw new ConfigError('invalid configuration: REDIS_SENTINEL_NAME: only meaningful with REDIS_SENTINELS');
  }
  if (env.REDIS_URL !== undefined) return { mode: 'single', url: env.REDIS_URL };
  const natMap = Object.keys(env.REDIS_NAT_MAP).length > 0 ? { natMap: env.REDIS_NAT_MAP } : {};
  if (natMap.natMap && env.REDIS_CLUSTER_NODES.length === 0 && env.REDIS_SENTINELS.length === 0) {
    throw new ConfigError('invalid configuration: REDIS_NAT_MAP: only meaningful with REDIS_CLUSTER_NODES or REDIS_SENTINELS');
  }
  if (env.REDIS_CLUSTER_NODES.length > 0) return { mode: 'cluster', nodes: env.REDIS_CLUSTER_NODES, ...natMap };
  if (env.REDIS_SENTINELS.length > 0 && env.REDIS_SENTINEL_NAME) {
    return { mode: 'sentinel', sentinels: env.REDIS_SENTINELS, name: env.REDIS_SENTINEL_NAME, ...natMap };
  }
  return undefined;
}

/** AUTH_SECRET (HS256) may come with one of AUTH_JWKS_URL / AUTH_PUBLIC_KEY_FILE (RS256/ES256). */
function toAuthSettings(env: Env): AuthSettings {
  if (env.AUTH_JWKS_URL !== undefined && env.AUTH_PUBLIC_KEY_FILE !== undefined) {
    throw new ConfigError('invalid configuration: set only one of AUTH_JWKS_URL, AUTH_PUBLIC_KEY_FILE (AUTH_SECRET may come with either)');
  }
  const enabled = env.AUTH_SECRET !== undefined || env.AUTH_JWKS_URL !== undefined || env.AUTH_PUBLIC_KEY_FILE !== undefined;
  for (const [name, set] of [['AUTH_ISSUER', env.AUTH_ISSUER !== undefined], ['AUTH_AUDIENCE', env.AUTH_AUDIENCE.length > 0]] as const) {
    if (set && !enabled) throw new ConfigError(`invalid configuration: ${name}: only meaningful with AUTH_SECRET, AUTH_JWKS_URL or AUTH_PUBLIC_KEY_FILE`);
  }
  return {
    jwksCooldownMs: env.AUTH_JWKS_COOLDOWN_MS,
    requireExp: env.AUTH_REQUIRE_EXP,
    ...(env.AUTH_SECRET === undefined ? {} : { secret: env.AUTH_SECRET }),
    ...(env.AUTH_JWKS_URL === undefined ? {} : { jwksUrl: env.AUTH_JWKS_URL }),
    ...(env.AUTH_PUBLIC_KEY_FILE === undefined ? {} : { publicKey: env.AUTH_PUBLIC_KEY_FILE }),
    ...(env.AUTH_ISSUER === undefined ? {} : { issuer: env.AUTH_ISSUER }),
    ...(env.AUTH_AUDIENCE.length === 0 ? {} : { audience: env.AUTH_AUDIENCE }),
  };
}

function toPusherSettings(env: Env): PusherSettings {
  try {
    return pusherSettings(env);
  } catch (error) {
    throw new ConfigError(`invalid configuration: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function toConfig(env: Env) {
  return {
    port: env.PORT,
    host: env.HOST,
    /** Where Redis is (single, cluster or sentinel), or undefined for the embedded broker. */
    redis: toRedisTopology(env),
    nodeId: env.NODE_ID ?? `${hostname()}-${process.pid}`,
    tcpPort: env.TCP_PORT >= 0 ? env.TCP_PORT : undefined,
    historySize: env.HISTORY_SIZE,
    /** A room with no member and no new message for this long forgets its history and keys; 0 keeps rooms forever. */
    roomTtlMs: env.ROOM_TTL_MS,
    /** Prefix of every Redis key and channel, so two deployments can share one Redis. */
    redisKeyPrefix: env.REDIS_KEY_PREFIX,
    idleTickMs: env.IDLE_TICK_MS,
    logLevel: env.LOG_LEVEL,
    presenceTtlMs: env.PRESENCE_TTL_MS,
    maxTextLength: env.MAX_TEXT_LENGTH,
    maxFrameBytes: env.MAX_FRAME_BYTES,
    maxRoomsPerConnection: env.MAX_ROOMS_PER_CONNECTION,
    sendBufferBytes: env.SEND_BUFFER_BYTES,
    wsHeartbeatMs: env.WS_HEARTBEAT_MS,
    sseHeartbeatMs: env.SSE_HEARTBEAT_MS,
    drainTimeoutMs: env.DRAIN_TIMEOUT_MS,
    tcpMaxConnections: env.TCP_MAX_CONNECTIONS,
    maxLineBytes: env.MAX_LINE_BYTES,
    rateSendsPerSec: env.RATE_SENDS_PER_SEC,
    rateSendsBurst: env.RATE_SENDS_BURST,
    allowedOrigins: env.ALLOWED_ORIGINS,
    /** Which tokens are accepted (HS256 secret, JWKS or PEM key, issuer, audience); none = auth off. */
    auth: toAuthSettings(env),
    trustedProxies: env.TRUSTED_PROXIES,
    /** When set, /metrics needs `Authorization: Bearer <it>`; unset, it answers direct (unproxied) requests only. */
    metricsToken: env.METRICS_TOKEN,
    maxConnectionsPerIp: env.MAX_CONNECTIONS_PER_IP,
    rateJoinsPerSec: env.RATE_JOINS_PER_SEC,
    rateJoinsBurst: env.RATE_JOINS_BURST,
    /** Per connection and kind, for `nick`, `read`, `typing` and `history` frames (0 = no limit). */
    rateFrames: { perSec: env.RATE_FRAMES_PER_SEC, burst: env.RATE_FRAMES_BURST },
    /** How long a compact stream cursor's snapshot of positions stays resumable. */
    streamCursorTtlMs: env.STREAM_CURSOR_TTL_MS,
    /** Per user (with auth) or client address: history, presence, poll and HTTP read marks (0 = no limit). */
    rateReads: { perSec: env.RATE_READS_PER_SEC, burst: env.RATE_READS_BURST },
    /** Above this many members a room sends `occupancy` counts instead of presence events. */
    presenceEventsMax: env.PRESENCE_EVENTS_MAX,
    /** WebSocket writes wait up to this long to leave in one syscall per client (0 = one event-loop turn). */
    writeBatchMs: env.WRITE_BATCH_MS,
    /** Redis link watchdog: PING interval and PING/command timeout (0 turns each off). */
    redisLink: { pingIntervalMs: env.REDIS_PING_INTERVAL_MS, timeoutMs: env.REDIS_TIMEOUT_MS },
    /** A broker lost this long makes the node refuse new clients and move its clients elsewhere… */
    brokerLossGraceMs: env.BROKER_LOSS_GRACE_MS,
    /** …each at a random moment within this window, so they do not all reconnect at once. */
    brokerLossSpreadMs: env.BROKER_LOSS_SPREAD_MS,
    /** Pusher Channels apps and protocol timings (DESIGN 2.7). */
    pusher: toPusherSettings(env),
  } as const;
}

export class ConfigError extends Error {}

/** Reads the configuration once; a bad value throws ConfigError naming the variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== undefined && value !== ''));
  const parsed = schema.safeParse(present);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
  }
  return toConfig(parsed.data);
}
