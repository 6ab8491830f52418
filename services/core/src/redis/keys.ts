/** Redis names of a room. Every key of a room shares the hash tag `{room}`: one cluster slot. */
export const roomKeys = (room: string) => ({
  meta: `chat:{${room}}:meta`,
  log: `chat:{${room}}:log`,
  cid: `chat:{${room}}:cid`,
  presence: `chat:{${room}}:presence`,
  presenceData: `chat:{${room}}:presence:data`,
  /** Hash: message offset → its latest edit or delete entry (for folded history pages). */
  folds: `chat:{${room}}:folds`,
  /** Hash: reader (token sub or nick) → `<epoch> <offset>` read position. */
  reads: `chat:{${room}}:reads`,
  /** Zset: offsets of the recent edit and delete entries (and `epoch:<epoch>`), for unread counts. */
  amends: `chat:{${room}}:amends`,
  channel: `chat:{${room}}`,
});

const CHANNEL_PREFIX = 'chat:{';

/** The room a channel belongs to, or undefined for a channel that is not a room's. */
export function roomOfChannel(channel: string): string | undefined {
  if (!channel.startsWith(CHANNEL_PREFIX) || !channel.endsWith('}')) return undefined;
  return channel.slice(CHANNEL_PREFIX.length, -1);
}

/** The live gateway nodes: id → last heartbeat (zset, ms) and id → reported state (hash); one slot. */
export const nodeKeys = {
  seen: 'chat:{nodes}:seen',
  state: 'chat:{nodes}:state',
} as const;

/** The key of a cross-node rate limit (its own slot: limits are not a room's). */
export const rateKey = (key: string): string => `chat:rate:{${key}}`;
