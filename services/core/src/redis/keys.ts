/** The key prefix of a deployment that does not set REDIS_KEY_PREFIX. */
export const DEFAULT_KEY_PREFIX = 'chat:';

/** Redis names of one room. Every key of a room shares the hash tag `{room}`: one cluster slot. */
export interface RoomKeys {
  readonly meta: string;
  readonly log: string;
  readonly cid: string;
  /** Hash: message offset → its latest edit or delete entry (for folded history pages). */
  readonly folds: string;
  /** Hash: reader (token sub or nick) → `<epoch> <offset>` read position. */
  readonly reads: string;
  /** Zset: offsets of the recent edit and delete entries (and `epoch:<epoch>`), for unread counts. */
  readonly amends: string;
  /** Zset: node id → lease expiry (ms) of each node with members in the room. */
  readonly presenceNodes: string;
  /** Prefix of a node's member hash (member id → JSON): append the node id. */
  readonly presenceNodePrefix: string;
  /** Zset and hash of the members that visit now and then (long-poll): id → expiry, id → JSON. */
  readonly presenceVisits: string;
  readonly presenceVisitData: string;
  readonly channel: string;
}

/** Every Redis name a deployment uses, under its prefix, so two deployments can share one Redis. */
export class RedisKeys {
  private readonly channelPrefix: string;

  constructor(readonly prefix: string = DEFAULT_KEY_PREFIX) {
    this.channelPrefix = `${prefix}{`;
  }

  room(room: string): RoomKeys {
    const base = `${this.prefix}{${room}}`;
    return {
      meta: `${base}:meta`,
      log: `${base}:log`,
      cid: `${base}:cid`,
      folds: `${base}:folds`,
      reads: `${base}:reads`,
      amends: `${base}:amends`,
      presenceNodes: `${base}:presence:nodes`,
      presenceNodePrefix: `${base}:presence:node:`,
      presenceVisits: `${base}:presence:visits`,
      presenceVisitData: `${base}:presence:visits:data`,
      channel: base,
    };
  }

  /** The keys that hold a room's messages (what ROOM_TTL_MS expires). */
  roomData(room: string): string[] {
    const keys = this.room(room);
    return [keys.meta, keys.log, keys.cid, keys.folds, keys.reads, keys.amends];
  }

  /** The room a channel belongs to, or undefined for a channel that is not a room's. */
  roomOfChannel(channel: string): string | undefined {
    if (!channel.startsWith(this.channelPrefix) || !channel.endsWith('}')) return undefined;
    return channel.slice(this.channelPrefix.length, -1);
  }

  /** The live gateway nodes: id → last heartbeat (zset, ms) and id → reported state (hash); one slot. */
  get nodes(): { readonly seen: string; readonly state: string } {
    return { seen: `${this.prefix}{nodes}:seen`, state: `${this.prefix}{nodes}:state` };
  }

  /** A stream cursor's snapshot of positions (expires: STREAM_CURSOR_TTL_MS). */
  cursor(id: string): string {
    return `${this.prefix}cursor:${id}`;
  }

  /** The key of a cross-node rate limit (its own slot: limits are not a room's). */
  rate(key: string): string {
    return `${this.prefix}rate:{${key}}`;
  }
}

const defaultKeys = new RedisKeys();

/** The keys of a room under the default prefix (tests and tools that inspect Redis). */
export const roomKeys = (room: string): RoomKeys => defaultKeys.room(room);
