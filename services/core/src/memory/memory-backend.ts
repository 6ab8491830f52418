import { ChatError } from '@chat/protocol';
import { newEpochCandidate } from '../epoch.js';
import { foldMessage, isPlainMessage } from '../history-fold.js';
import type { SignalPayload } from '../message-codec.js';
import { TokenBucket } from '../session/token-bucket.js';
import type { AmendDraft, RoomMessage, MessageDraft, PageQuery, PresenceEvent, ReadState, RoomPosition } from '../types.js';
import { MemoryPresenceTable } from './memory-presence.js';

type ChannelPayload = RoomMessage | PresenceEvent | SignalPayload;

/** What the backend calls on a connected broker: the in-process equivalent of a Redis connection. */
export interface MemoryConnection {
  deliver(payload: ChannelPayload): void;
  onBackendRestart(phase: 'down' | 'up'): void;
}

interface MemoryRoom {
  readonly epoch: string;
  offset: number;
  readonly log: RoomMessage[];
  readonly cids: Map<string, RoomMessage>;
  /** When it was last written: a room without subscribers idle for the room ttl is forgotten. */
  activeAt: number;
  /** Message offset → its latest edit or delete entry. */
  readonly folds: Map<number, RoomMessage>;
  /** Reader → read offset in this epoch. */
  readonly reads: Map<string, number>;
  /** Offsets of the recent edit and delete entries (as many as the history holds), for unread counts. */
  readonly amends: number[];
}

export interface StoredResult {
  readonly message: RoomMessage;
  readonly duplicate: boolean;
}

/**
 * The in-process stand-in for Redis: rooms with epoch, offset, bounded log, recent client ids and
 * presence, plus per-room channels. One backend may serve several brokers (nodes) in one process.
 */
export class MemoryBackend {
  private readonly rooms = new Map<string, MemoryRoom>();
  private readonly channels = new Map<string, Set<MemoryConnection>>();
  private readonly connections = new Set<MemoryConnection>();
  private readonly rateBuckets = new Map<string, TokenBucket>();
  /** Presence of every room: each node's members under its lease, and visits. */
  readonly presence = new MemoryPresenceTable((room, events) => {
    for (const event of events) this.publish(room, event);
  });

  connect(connection: MemoryConnection): void {
    this.connections.add(connection);
  }

  disconnect(connection: MemoryConnection): void {
    this.connections.delete(connection);
    for (const [room, members] of this.channels) {
      members.delete(connection);
      if (members.size === 0) this.channels.delete(room);
    }
  }

  subscribe(room: string, connection: MemoryConnection): void {
    let members = this.channels.get(room);
    if (!members) this.channels.set(room, (members = new Set()));
    members.add(connection);
  }

  unsubscribe(room: string, connection: MemoryConnection): void {
    const members = this.channels.get(room);
    members?.delete(connection);
    if (members?.size === 0) this.channels.delete(room);
  }

  /** Rooms with at least one subscribed connection, like `PUBSUB CHANNELS`. */
  subscribedChannels(): string[] {
    return [...this.channels.keys()];
  }

  subscriberCount(room: string): number {
    return this.channels.get(room)?.size ?? 0;
  }

  store(room: string, draft: MessageDraft, ts: number, historySize: number, idempotencyWindow: number): StoredResult {
    const state = this.room(room);
    const seen = draft.cid === undefined ? undefined : state.cids.get(draft.cid);
    if (seen) return { message: seen, duplicate: true };
    state.offset += 1;
    const base = { room, epoch: state.epoch, offset: state.offset, nick: draft.nick, text: draft.text, ts, ...(draft.author === undefined ? {} : { author: draft.author }) };
    const message: RoomMessage = draft.cid === undefined ? base : { ...base, cid: draft.cid };
    this.append(state, message, historySize, idempotencyWindow);
    return { message, duplicate: false };
  }

  /** See Broker.amend: the same checks and outcome as amend.lua. */
  amend(room: string, draft: AmendDraft, ts: number, historySize: number, idempotencyWindow: number): StoredResult {
    const state = this.rooms.get(room) ?? this.unknownRoom();
    const seen = draft.cid === undefined ? undefined : state.cids.get(draft.cid);
    if (seen) return { message: seen, duplicate: true };
    const original = state.log.find((entry) => entry.offset === draft.target);
    if (!original || !isPlainMessage(original) || state.folds.get(draft.target)?.kind === 'delete') {
      throw new ChatError('not_found', `no message at offset ${draft.target} in this room's history`);
    }
    if (!draft.moderator && (original.author ?? original.nick) !== draft.requester) {
      throw new ChatError('forbidden', 'only its author or a moderator may change a message');
    }
    state.offset += 1;
    const text = draft.kind === 'edit' ? draft.text : '';
    const base = { room, epoch: state.epoch, offset: state.offset, nick: draft.nick, text, ts, kind: draft.kind, target: draft.target, author: draft.requester };
    const entry: RoomMessage = draft.cid === undefined ? base : { ...base, cid: draft.cid };
    state.folds.set(draft.target, entry);
    state.amends.push(entry.offset);
    if (state.amends.length > historySize) state.amends.shift();
    this.append(state, entry, historySize, idempotencyWindow);
    return { message: entry, duplicate: false };
  }

  /** See Broker.historyPage. */
  page(room: string, query: PageQuery): { position: RoomPosition; messages: RoomMessage[] } {
    const state = this.rooms.get(room) ?? this.unknownRoom();
    const before = query.before ?? Number.POSITIVE_INFINITY;
    const messages: RoomMessage[] = [];
    for (let index = state.log.length - 1; index >= 0 && messages.length < query.limit; index--) {
      const entry = state.log[index];
      if (entry && entry.offset < before && isPlainMessage(entry)) messages.unshift(foldMessage(entry, state.folds.get(entry.offset)));
    }
    return { position: { epoch: state.epoch, offset: state.offset }, messages };
  }

  /** See Broker.markRead; `offset` -1 only reads. */
  readMark(room: string, reader: string, offset: number): ReadState & { moved: boolean } {
    const state = this.rooms.get(room) ?? this.unknownRoom();
    let read = state.reads.get(reader) ?? 0;
    const wanted = Math.min(offset, state.offset);
    const moved = wanted > read;
    if (moved) {
      state.reads.set(reader, (read = wanted));
      state.activeAt = Date.now();
    }
    // As read-mark.lua: the offsets after it, less the edit and delete entries among them.
    const unread = state.offset - read - state.amends.filter((offset) => offset > read).length;
    return { epoch: state.epoch, offset: state.offset, read, unread, moved };
  }

  /** Relays an ephemeral event to the room's subscribers. */
  signal(payload: SignalPayload): void {
    this.publish(payload.room, payload);
  }

  private append(state: MemoryRoom, message: RoomMessage, historySize: number, idempotencyWindow: number): void {
    state.activeAt = Date.now();
    state.log.push(message);
    if (state.log.length > historySize) state.log.shift();
    if (message.cid !== undefined) {
      state.cids.set(message.cid, message);
      if (state.cids.size > idempotencyWindow) state.cids.delete(state.cids.keys().next().value as string);
    }
    this.publish(message.room, message);
  }

  /** Advances the offset and stores a message without publishing it: a lost pub/sub message, for tests. */
  storeSilently(room: string, draft: MessageDraft, historySize: number): RoomMessage {
    const state = this.room(room);
    state.offset += 1;
    const message: RoomMessage = { room, epoch: state.epoch, offset: state.offset, nick: draft.nick, text: draft.text, ts: Date.now() };
    state.log.push(message);
    if (state.log.length > historySize) state.log.shift();
    return message;
  }

  /** `create`: a subscribing node makes a missing room; a plain read leaves nothing behind. */
  read(room: string, after: number, limit: number, create = false): { position: RoomPosition; messages: RoomMessage[] } {
    const state = create ? this.room(room) : (this.rooms.get(room) ?? this.unknownRoom());
    const position = { epoch: state.epoch, offset: state.offset };
    if (limit <= 0) return { position, messages: [] };
    if (after < 0) return { position, messages: state.log.slice(-limit) };
    const first = state.log[0]?.offset ?? state.offset + 1;
    const start = Math.max(0, after + 1 - first);
    return { position, messages: state.log.slice(start, start + limit) };
  }

  /**
   * Forgets the rooms nobody is subscribed to that were not written for `ttlMs`, as their Redis
   * keys expire; returns how many.
   */
  evictIdleRooms(ttlMs: number, now = Date.now()): number {
    let evicted = 0;
    for (const [room, state] of this.rooms) {
      if (now - state.activeAt < ttlMs || this.channels.has(room)) continue;
      this.rooms.delete(room);
      evicted += 1;
    }
    return evicted;
  }

  /** How many rooms hold data (as the number of rooms with keys in Redis). */
  roomCount(): number {
    return this.rooms.size;
  }

  /** Whether `room` holds data (messages or read positions) or presence. */
  hasRoom(room: string): boolean {
    return this.rooms.has(room) || this.presence.hasRoom(room);
  }

  /** A limit shared by every broker of this backend (see Broker.consumeRate). */
  consumeRate(key: string, ratePerSec: number, burst: number): number {
    let bucket = this.rateBuckets.get(key);
    if (!bucket) this.rateBuckets.set(key, (bucket = new TokenBucket(ratePerSec, burst)));
    return bucket.take();
  }

  /** Loses every room's data, as a Redis without persistence does when it restarts. */
  restart(): void {
    const connected = [...this.connections];
    for (const connection of connected) connection.onBackendRestart('down');
    this.rooms.clear();
    this.channels.clear();
    this.rateBuckets.clear();
    this.presence.clear();
    for (const connection of connected) connection.onBackendRestart('up');
  }

  private room(room: string): MemoryRoom {
    let state = this.rooms.get(room);
    if (!state) {
      state = this.unknownRoom();
      this.rooms.set(room, state);
    }
    return state;
  }

  /** An empty room that is not stored: what reading a room that does not exist sees. */
  private unknownRoom(): MemoryRoom {
    return { epoch: newEpochCandidate(), offset: 0, log: [], cids: new Map(), activeAt: Date.now(), folds: new Map(), reads: new Map(), amends: [] };
  }

  private publish(room: string, payload: ChannelPayload): void {
    const members = this.channels.get(room);
    if (!members) return;
    // Delivered after the caller's turn, like a network hop: a publisher never re-enters itself.
    for (const connection of members) queueMicrotask(() => connection.deliver(payload));
  }
}
