import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

// The Pusher scripts live beside the core's (services/core/lua/pusher-*.lua): same depth from src and dist.
const luaDir = new URL('../../../core/lua/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, luaDir), 'utf8');

type Args = Array<string | number>;

/** The Pusher Lua scripts, each with KEYS[1] = the app's subscription counts (its slot). */
export interface PusherScripts {
  pusherJoin(subs: string, ...args: Args): Promise<string[]>;
  pusherHeartbeat(subs: string, ...args: Args): Promise<[connections: number, known: 0 | 1]>;
  pusherPublish(subs: string, ...args: Args): Promise<number>;
  pusherWebhookTake(subs: string, ...args: Args): Promise<string[]>;
  pusherWebhookSettle(subs: string, ...args: Args): Promise<number>;
}

/** Registers the scripts on a connection (EVALSHA, re-sent by ioredis after a restart forgets them). */
export function definePusherScripts(redis: Redis | Cluster): PusherScripts {
  const common = read('pusher-common.lua');
  const scripts: Array<[keyof PusherScripts, string]> = [
    ['pusherJoin', 'pusher-join.lua'],
    ['pusherHeartbeat', 'pusher-heartbeat.lua'],
    ['pusherPublish', 'pusher-publish.lua'],
    ['pusherWebhookTake', 'pusher-webhook-take.lua'],
    ['pusherWebhookSettle', 'pusher-webhook-settle.lua'],
  ];
  for (const [name, file] of scripts) redis.defineCommand(name, { numberOfKeys: 1, lua: `${common}\n${read(file)}` });
  return redis as unknown as PusherScripts;
}
