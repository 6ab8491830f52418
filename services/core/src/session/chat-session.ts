import type { HubDelivery, HubMember } from '../hub/hub-member.js';
import type { MessageEnvelope } from '../hub/message-envelope.js';
import type { RoomHub } from '../hub/room-hub.js';
import {
  ChatError,
  isRecord,
  parseClientFrame,
  parseJson,
  validateCid,
  validateHistoryLimit,
  validateNick,
  validateRoom,
  validateText,
  type ClientFrameType,
  type Cursor,
  type ServerEvent,
  type UncheckedClientFrame,
} from '@chat/protocol';
import type { MessageDraft, PublishResult, RoomPosition } from '../types.js';
import { ackKey, authorshipOfSend, requesterOf } from './authorship.js';
import type { FrameBudgets } from './frame-budgets.js';
import type { RoomActions } from './room-actions.js';
import type { TokenBucket } from './token-bucket.js';

/** Typing notices relayed per connection and room: at most one a second, extras dropped silently. */
const TYPING_INTERVAL_MS = 1000;

/** What an error names of the frame that caused it: `for` (its type), `room` and `cid` when given. */
function errorContext(frame: { readonly type?: unknown; readonly room?: unknown; readonly cid?: unknown }): Record<string, unknown> {
  const context: Record<string, unknown> = {};
  if (typeof frame.type === 'string') context.for = frame.type.slice(0, 64);
  if (typeof frame.room === 'string') context.room = frame.room.slice(0, 64);
  if (typeof frame.cid === 'string') context.cid = frame.cid.slice(0, 128);
  return context;
}

/** The same for a frame that did not parse (a bad `since`, a wrong offset), as far as it is a JSON object: the client can still tell which request failed. */
function unparsedErrorContext(text: string): Record<string, unknown> {
  const value = parseJson(text);
  return isRecord(value) ? errorContext(value) : {};
}

/** Where a session's output goes; each transport frames it its own way. */
export interface SessionOutput {
  event(event: ServerEvent): void;
  message(envelope: MessageEnvelope): void;
}

export interface SessionLimits {
  readonly maxTextLength: number;
  readonly maxRooms: number;
  /** Rate-limited sends in a row after which the client is an abuser. */
  readonly abuseThreshold: number;
}

export interface ChatSessionOptions {
  readonly id: string;
  readonly nick: string;
  readonly nodeId: string;
  readonly hub: RoomHub;
  /** Stores and fans out a message (the broker's publish, seen through the node's metrics). */
  readonly publish: (room: string, draft: MessageDraft) => Promise<PublishResult>;
  readonly limits: SessionLimits;
  readonly sendBucket: TokenBucket;
  readonly joinBucket?: TokenBucket;
  /** A send limit shared by all of the user's connections on every node; resolves the wait in ms. */
  readonly sharedSendLimit?: () => Promise<number>;
  /** Room access of the authenticated user; everything when absent. */
  readonly mayUseRoom?: (room: string) => boolean;
  /** The token's subject: the author and reader this session speaks for (else its nick). */
  readonly user?: string;
  /** The token has `mod: true`: may edit and delete anyone's messages. */
  readonly moderator?: boolean;
  /** Typing, read positions, edit and delete, history pages. */
  readonly actions: RoomActions;
  /** The nick comes from the user's token and cannot be changed. */
  readonly nickLocked?: boolean;
  readonly output: SessionOutput;
  /** Whether joins show this session in presence. */
  readonly announce?: boolean;
  readonly onAbuse?: () => void;
  /** Budgets of `nick`, `read`, `typing` and `history` frames, spent before the broker is asked. */
  readonly frameBudgets?: FrameBudgets;
  /** Takes a newer token for this connection and resolves its `exp` (seconds); absent without auth. */
  readonly refreshToken?: (token: string) => Promise<number>;
  /** Observes every client command, e.g. for metrics. */
  readonly onCommand?: (type: ClientFrameType | 'invalid') => void;
}

/**
 * One client's state and behaviour under the JSON protocol, independent of the transport:
 * nick, joined rooms and their positions, sends with acks, errors as `error` events.
 */
export class ChatSession implements HubMember {
  readonly id: string;
  nick: string;
  private readonly rooms = new Map<string, RoomPosition | undefined>();
  /** Created on the first join: an idle connection should cost as little memory as possible. */
  private roomOperations: Map<string, Promise<void>> | undefined;
  private limitedInARow = 0;
  private closed = false;
  /** Per room, when this connection last relayed a typing notice (made on the first one). */
  private typingAt: Map<string, number> | undefined;
  /** Per room, the furthest read position this connection stored: repeats cost no Redis call. */
  private readUpTo: Map<string, number> | undefined;

  constructor(private readonly options: ChatSessionOptions) {
    this.id = options.id;
    this.nick = options.nick;
  }

  /** The token's subject, for presence. */
  get user(): string | undefined {
    return this.options.user;
  }

  welcome(): void {
    this.options.output.event({ type: 'welcome', node: this.options.nodeId, session: this.id, nick: this.nick });
  }

  /** The positions of every joined room: what a resuming client sends back. */
  cursor(): Cursor {
    const cursor: Cursor = new Map();
    for (const [room, position] of this.rooms) if (position) cursor.set(room, position);
    return cursor;
  }

  /** Handles one text frame; never throws: problems become `error` events. */
  async handleFrame(text: string): Promise<void> {
    let frame: UncheckedClientFrame;
    try {
      frame = parseClientFrame(text);
    } catch (error) {
      this.options.onCommand?.('invalid');
      this.fail(error, unparsedErrorContext(text));
      return;
    }
    await this.handleCommand(frame);
  }

  /** Handles one command, e.g. from a codec of another protocol; never throws: problems become `error` events. */
  async handleCommand(frame: UncheckedClientFrame): Promise<void> {
    this.options.onCommand?.(frame.type);
    try {
      await this.dispatch(frame);
    } catch (error) {
      this.fail(error, errorContext(frame));
    }
  }

  async join(roomName: unknown, since?: RoomPosition): Promise<void> {
    const room = this.authorize(roomName);
    const waitMs = this.options.joinBucket?.take() ?? 0;
    if (waitMs > 0) throw new ChatError('rate_limited', 'too many joins; slow down', { retryAfterMs: waitMs });
    return this.joinRoom(room, since);
  }

  /**
   * Joins the rooms of one request (a stream or a poll opening) as one admission: one join
   * token whatever their number, up to the rooms limit. A room that fails is named in the error.
   */
  async joinAll(roomNames: readonly string[], cursor: Cursor): Promise<void> {
    const rooms = roomNames.map((name) => this.authorize(name));
    if (rooms.length > this.options.limits.maxRooms) throw new ChatError('too_many_rooms', `at most ${this.options.limits.maxRooms} rooms per connection`);
    const waitMs = this.options.joinBucket?.take() ?? 0;
    if (waitMs > 0) throw new ChatError('rate_limited', 'too many joins; slow down', { retryAfterMs: waitMs });
    const results = await Promise.allSettled(rooms.map((room) => this.joinRoom(room, cursor.get(room))));
    const index = results.findIndex((result) => result.status === 'rejected');
    const failure = results[index];
    if (failure?.status !== 'rejected') return;
    const error: unknown = failure.reason;
    const chatError = error instanceof ChatError ? error : new ChatError('internal', 'internal error');
    throw new ChatError(chatError.code, chatError.message, { ...chatError.details, room: rooms[index] });
  }

  private joinRoom(room: string, since: RoomPosition | undefined): Promise<void> {
    return this.inOrder(room, async () => {
      if (!this.rooms.has(room) && this.rooms.size >= this.options.limits.maxRooms) {
        throw new ChatError('too_many_rooms', `at most ${this.options.limits.maxRooms} rooms per connection`);
      }
      this.rooms.set(room, undefined);
      try {
        const reader = this.reader();
        await this.options.hub.join(room, this, since ? { since, announce: this.announces(), reader } : { announce: this.announces(), reader });
      } catch (error) {
        if (this.rooms.get(room) === undefined) this.rooms.delete(room);
        if (this.closed) return;
        throw error;
      }
    });
  }

  async leave(roomName: unknown): Promise<void> {
    const room = validateRoom(roomName);
    return this.inOrder(room, async () => {
      if (!this.rooms.has(room)) throw new ChatError('not_joined', `not in room '${room}'`);
      this.rooms.delete(room);
      await this.options.hub.leave(room, this);
      this.options.output.event({ type: 'left', room });
    });
  }

  /** Joins and leaves of one room run one after another, as the client sent them. */
  private inOrder(room: string, operation: () => Promise<void>): Promise<void> {
    const operations = (this.roomOperations ??= new Map<string, Promise<void>>());
    const previous = operations.get(room) ?? Promise.resolve();
    const next = previous.then(operation, operation);
    const settled = next.catch(() => undefined);
    operations.set(room, settled);
    void settled.then(() => {
      if (operations.get(room) === settled) operations.delete(room);
    });
    return next;
  }

  /** Leaves every room (removing presence); the transport is closing. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const rooms = [...this.rooms.keys()];
    this.rooms.clear();
    await Promise.allSettled(rooms.map((room) => this.options.hub.leave(room, this)));
  }

  deliver(delivery: HubDelivery): void {
    if (this.closed) return;
    const output = this.options.output;
    switch (delivery.kind) {
      case 'joined':
        this.rooms.set(delivery.event.room, { epoch: delivery.event.epoch, offset: delivery.event.offset });
        output.event(delivery.event);
        return;
      case 'message': {
        const { message } = delivery.envelope;
        // The message is its own position: no allocation per delivery.
        if (this.rooms.has(message.room)) this.rooms.set(message.room, message);
        output.message(delivery.envelope);
        return;
      }
      case 'presence':
      case 'signal':
        output.event(delivery.event);
        return;
      case 'reset':
        this.rooms.set(delivery.room, delivery.position);
        output.event({ type: 'joined', room: delivery.room, ...delivery.position, recovered: false, messages: [], presence: [] });
        return;
    }
  }

  private announces(): boolean {
    return this.options.announce ?? true;
  }

  private async dispatch(frame: UncheckedClientFrame): Promise<void> {
    switch (frame.type) {
      case 'join':
        if (frame.nick !== undefined) await this.rename(frame.nick, false);
        return this.join(frame.room, frame.since);
      case 'leave':
        return this.leave(frame.room);
      case 'send':
        return this.send(frame.room, frame.text, frame.cid, frame.key);
      case 'nick':
        // A rename is a presence update in every joined room: it costs one token per room.
        this.options.frameBudgets?.spend('nick', this.rooms.size);
        return this.rename(frame.nick, true);
      case 'ping':
        this.options.output.event({ type: 'pong' });
        return;
      case 'typing':
        return this.typing(frame.room);
      case 'read':
        return this.read(frame.room, frame.offset);
      case 'edit':
        return this.amend('edit', frame.room, frame.offset, frame.text, frame.cid, frame.key);
      case 'delete':
        return this.amend('delete', frame.room, frame.offset, undefined, frame.cid, frame.key);
      case 'refresh': {
        if (!this.options.refreshToken) throw new ChatError('bad_request', 'nothing to refresh: this connection has no token');
        this.options.output.event({ type: 'refreshed', exp: await this.options.refreshToken(frame.token) });
        return;
      }
      case 'history': {
        const room = this.authorize(frame.room);
        const limit = validateHistoryLimit(frame.limit);
        this.options.frameBudgets?.spend('history');
        // A page of history costs about what a join does: it counts against the join rate.
        const waitMs = this.options.joinBucket?.take() ?? 0;
        if (waitMs > 0) throw new ChatError('rate_limited', 'too many history requests; slow down', { retryAfterMs: waitMs });
        this.options.output.event(await this.options.actions.history(room, frame.before, limit));
        return;
      }
    }
  }

  /** Whose read positions and messages this session's are: the token's subject, else the nick. */
  private reader(): string {
    return this.options.user ?? this.nick;
  }

  private async read(roomName: unknown, offset: number): Promise<void> {
    const room = this.authorize(roomName);
    if (!this.rooms.has(room)) throw new ChatError('not_joined', `not in room '${room}'`);
    const readUpTo = (this.readUpTo ??= new Map<string, number>());
    if (offset <= (readUpTo.get(room) ?? -1)) return;
    this.options.frameBudgets?.spend('read');
    const { read } = await this.options.actions.read(room, this.reader(), this.nick, offset);
    readUpTo.set(room, Math.max(read, readUpTo.get(room) ?? -1));
  }

  private async typing(roomName: unknown): Promise<void> {
    const room = this.authorize(roomName);
    if (!this.rooms.has(room)) throw new ChatError('not_joined', `not in room '${room}'`);
    const now = Date.now();
    const typingAt = (this.typingAt ??= new Map());
    if (now - (typingAt.get(room) ?? 0) < TYPING_INTERVAL_MS) return;
    this.options.frameBudgets?.spend('typing');
    typingAt.set(room, now);
    await this.options.actions.typing(room, this.nick);
  }

  /** Edit or delete: rate-limited and acked like a send. */
  private async amend(kind: 'edit' | 'delete', roomName: unknown, target: number, textValue: unknown, cidValue: unknown, keyValue: unknown): Promise<void> {
    const room = this.authorize(roomName);
    const text = kind === 'edit' ? validateText(textValue, this.options.limits.maxTextLength) : '';
    const cid = validateCid(cidValue);
    const waitMs = this.options.sendBucket.take();
    if (waitMs > 0) throw new ChatError('rate_limited', 'too many changes; slow down', { retryAfterMs: waitMs, ...(cid ? { cid } : {}) });
    const result = await this.options.actions.amend(room, {
      kind,
      target,
      nick: this.nick,
      text,
      requester: requesterOf(this.options.user, keyValue),
      moderator: this.options.moderator === true,
      ...(cid === undefined ? {} : { cid }),
    });
    this.options.output.event({ type: 'ack', cid: cid ?? null, room, epoch: result.epoch, offset: result.offset, ts: result.ts, duplicate: result.duplicate });
  }

  private authorize(roomName: unknown): string {
    const room = validateRoom(roomName);
    if (this.options.mayUseRoom && !this.options.mayUseRoom(room)) throw new ChatError('forbidden', `your token does not allow room '${room}'`);
    return room;
  }

  private async send(roomName: unknown, textValue: unknown, cidValue: unknown, keyValue?: unknown): Promise<void> {
    const room = this.authorize(roomName);
    const text = validateText(textValue, this.options.limits.maxTextLength);
    const cid = validateCid(cidValue);
    const waitMs = this.options.sendBucket.take();
    const shared = waitMs > 0 ? undefined : this.options.sharedSendLimit;
    const sharedWaitMs = shared ? await shared() : 0;
    if (waitMs > 0 || sharedWaitMs > 0) {
      this.limitedInARow += 1;
      throw new ChatError('rate_limited', 'too many messages; slow down', { retryAfterMs: Math.max(waitMs, sharedWaitMs), ...(cid ? { cid } : {}) });
    }
    this.limitedInARow = 0;
    const authorship = authorshipOfSend(this.options.user, this.nick, keyValue);
    const draft: MessageDraft =
      authorship.author === undefined
        ? cid === undefined
          ? { nick: this.nick, text }
          : { nick: this.nick, text, cid }
        : { nick: this.nick, text, author: authorship.author, ...(cid === undefined ? {} : { cid }) };
    const result = await this.options.publish(room, draft);
    this.options.output.event({
      type: 'ack',
      cid: cid ?? null,
      room,
      epoch: result.epoch,
      offset: result.offset,
      ts: result.ts,
      duplicate: result.duplicate,
      ...ackKey(authorship, result.duplicate),
    });
  }

  private async rename(nickValue: unknown, confirm: boolean): Promise<void> {
    const nick = validateNick(nickValue);
    if (this.options.nickLocked && nick !== this.nick) throw new ChatError('forbidden', 'your nick comes from your token');
    const changed = nick !== this.nick;
    this.nick = nick;
    if (changed) await this.options.hub.renamed(this, this.rooms.keys());
    if (confirm) this.options.output.event({ type: 'nick', nick });
  }

  private fail(error: unknown, context: Record<string, unknown> = {}): void {
    if (this.closed) return;
    if (error instanceof ChatError) {
      this.options.output.event({ type: 'error', code: error.code, message: error.message, ...context, ...error.details });
      // Told why first, then dropped: an abuser sees its rate_limited errors before the close.
      const abusive = this.limitedInARow >= this.options.limits.abuseThreshold || this.options.frameBudgets?.abusive === true;
      if (error.code === 'rate_limited' && abusive) this.options.onAbuse?.();
    } else {
      this.options.output.event({ type: 'error', code: 'internal', message: 'internal error', ...context });
    }
  }
}
