import type { PresenceMember } from './pusher-backend.js';

const MAX_USER_INFO_BYTES = 1024;

/** Reads a presence subscription's `channel_data` (`{user_id, user_info?}`); undefined when malformed. */
export function parseChannelData(channelData: unknown): PresenceMember | undefined {
  if (typeof channelData !== 'string') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(channelData);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const { user_id: userId, user_info: userInfo } = value as { user_id?: unknown; user_info?: unknown };
  const id = typeof userId === 'number' && Number.isFinite(userId) ? String(userId) : userId;
  if (typeof id !== 'string' || id.length === 0 || id.length > 200) return undefined;
  const infoJson = JSON.stringify(userInfo ?? null);
  if (Buffer.byteLength(infoJson) > MAX_USER_INFO_BYTES) return undefined;
  return { id, infoJson };
}

/** The `data` of a presence channel's subscription_succeeded: `{presence: {ids, hash, count}}`, as text. */
export function presenceSucceededData(members: ReadonlyMap<string, string>): string {
  const ids = [...members.keys()];
  const hash = [...members].map(([id, infoJson]) => `${JSON.stringify(id)}:${infoJson}`).join(',');
  return `{"presence":{"ids":${JSON.stringify(ids)},"hash":{${hash}},"count":${ids.length}}}`;
}
