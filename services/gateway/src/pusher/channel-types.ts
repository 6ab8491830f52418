/** What a channel name says about who may subscribe and what it does. */
export interface ChannelType {
  readonly kind: 'public' | 'private' | 'presence' | 'encrypted' | 'user';
  /** `cache-` (also `private-cache-`, `presence-cache-`, `private-encrypted-cache-`): the last event is kept. */
  readonly cache: boolean;
}

const NAME = /^[A-Za-z0-9_\-=@,.;]{1,164}$/;
const USER_CHANNEL_PREFIX = '#server-to-user-';

/** The channel a signed-in user's server-sent events travel on. */
export function userChannel(userId: string): string {
  return `${USER_CHANNEL_PREFIX}${userId}`;
}

/** The user of a `#server-to-user-` channel, or undefined. */
export function userOfChannel(channel: string): string | undefined {
  return channel.startsWith(USER_CHANNEL_PREFIX) ? channel.slice(USER_CHANNEL_PREFIX.length) : undefined;
}

/** The type of a channel name, or undefined for a name Pusher does not allow. */
export function channelType(channel: string): ChannelType | undefined {
  const user = userOfChannel(channel);
  if (user !== undefined) return user.length > 0 && user.length <= 200 ? { kind: 'user', cache: false } : undefined;
  if (!NAME.test(channel)) return undefined;
  if (channel.startsWith('private-encrypted-')) return { kind: 'encrypted', cache: channel.startsWith('private-encrypted-cache-') };
  if (channel.startsWith('private-')) return { kind: 'private', cache: channel.startsWith('private-cache-') };
  if (channel.startsWith('presence-')) return { kind: 'presence', cache: channel.startsWith('presence-cache-') };
  return { kind: 'public', cache: channel.startsWith('cache-') };
}

/** Whether subscribing needs a signature from the app's backend. */
export function needsAuth(type: ChannelType): boolean {
  return type.kind === 'private' || type.kind === 'presence' || type.kind === 'encrypted';
}

/** Client events are allowed on private and presence channels only (never encrypted ones). */
export function allowsClientEvents(type: ChannelType): boolean {
  return type.kind === 'private' || type.kind === 'presence';
}
