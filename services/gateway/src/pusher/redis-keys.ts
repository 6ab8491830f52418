/**
 * Redis names of one Pusher app. Every key and pub/sub channel of an app shares the hash tag
 * `{<app id>}` (one cluster slot), so one script sees all of them; the scripts name the rest
 * from the base (services/core/lua/pusher-common.lua lists them).
 */
export function appKeys(prefix: string, appId: string) {
  const base = `${prefix}pusher:{${appId}}:`;
  return {
    base,
    subs: `${base}subs`,
    users: (channel: string) => `${base}users:${channel}`,
    info: (channel: string) => `${base}info:${channel}`,
    cache: (channel: string) => `${base}cache:${channel}`,
    pubsub: (channel: string) => `${base}ch:${channel}`,
  };
}

/** The app and Pusher channel of a pub/sub channel name, or undefined for one that is not ours. */
export function channelOfPubsub(prefix: string, pubsub: string): { appId: string; channel: string } | undefined {
  const start = `${prefix}pusher:{`;
  if (!pubsub.startsWith(start)) return undefined;
  const close = pubsub.indexOf('}:ch:', start.length);
  if (close < 0) return undefined;
  return { appId: pubsub.slice(start.length, close), channel: pubsub.slice(close + 5) };
}
