import { encodeCursor, type ChatMessage, type ErrorEvent, type JoinedEvent, type PresenceEvent, type RoomPosition, type ServerEvent } from '@chat/protocol';
import type { ClientEmitter } from './client-events.js';
import { PresenceBook } from './presence-book.js';
import { emitEntry, emitSignal } from './room-events.js';
import { RoomPositions } from './room-positions.js';
import { retryOf, type SendQueue } from './send-queue.js';

/** What the router reads from and asks of the client. */
export interface RouterHost {
  rooms(): readonly string[];
  nick(): string;
  /** The server set or confirmed our nick. */
  adoptNick(nick: string): void;
  /** Asks the current transport to join a room again. */
  rejoin(room: string): void;
}

/**
 * Turns what the server says into the client's events: positions and dedupe (each message once,
 * in order), presence, chat features, nick changes; acks and send errors go to the send queue.
 */
export class EventRouter {
  private readonly positions = new RoomPositions();
  private readonly presence = new PresenceBook();
  /** Nick → token `sub` of signed-in members seen in presence (direct-message rooms are named by subs). */
  private readonly users = new Map<string, string>();

  constructor(
    private readonly emitter: ClientEmitter,
    private readonly sends: SendQueue,
    private readonly host: RouterHost,
  ) {}

  position(room: string): RoomPosition | undefined {
    return this.positions.get(room);
  }

  /** A resume cursor for a fresh stream or poll loop over these rooms, from our positions. */
  cursorFor(rooms: readonly string[]): string | undefined {
    const positions = new Map<string, RoomPosition>();
    for (const room of rooms) {
      const position = this.positions.get(room);
      if (position) positions.set(room, position);
    }
    return positions.size > 0 ? encodeCursor(positions) : undefined;
  }

  presenceOf(room: string): readonly string[] {
    return this.presence.nicks(room);
  }

  userOf(nick: string): string | undefined {
    return this.users.get(nick);
  }

  /** Forgets a room the user left, so joining it again shows its history afresh. */
  forget(room: string): void {
    this.presence.forget(room);
    this.positions.drop(room);
  }

  presenceSnapshot(room: string, nicks: readonly string[]): void {
    this.presence.reset(room, nicks);
    this.emitter.emit('presence', { room, nicks: this.presence.nicks(room) });
  }

  route(event: ServerEvent): void {
    switch (event.type) {
      case 'joined':
        return this.onJoined(event);
      case 'message':
        if (this.inRoom(event.room) && this.positions.accept(event)) this.emitter.emit('message', event);
        return;
      case 'edit':
      case 'delete': {
        const entry: ChatMessage = { ...event, text: event.type === 'edit' ? event.text : '', kind: event.type };
        if (this.inRoom(event.room) && this.positions.accept(entry)) emitEntry(this.emitter, entry);
        return;
      }
      case 'typing':
      case 'read':
      case 'occupancy':
        if (this.inRoom(event.room)) emitSignal(this.emitter, event);
        return;
      case 'presence':
        return this.onPresence(event);
      case 'ack':
        return this.sends.onAck(event);
      case 'error':
        return this.onServerError(event);
      case 'welcome':
        // A token's nick, or the server's guest nick when we asked for none.
        if (this.host.nick() === '' && event.nick !== '') this.host.adoptNick(event.nick);
        return;
      case 'nick':
        if (event.nick !== this.host.nick()) this.host.adoptNick(event.nick);
        return;
      default:
        return;
    }
  }

  private inRoom(room: string): boolean {
    return this.host.rooms().includes(room);
  }

  private onJoined(event: JoinedEvent): void {
    if (!this.inRoom(event.room)) return;
    const result = this.positions.applyJoined(event);
    this.presence.reset(event.room, event.presence.map((member) => member.nick));
    for (const member of event.presence) if (member.user !== undefined) this.users.set(member.nick, member.user);
    // A first page is folded: a deleted message there was never shown, so there is nothing to show or remove.
    for (const message of result.fresh) if (message.deleted !== true) emitEntry(this.emitter, { ...message, room: event.room });
    this.emitter.emit('presence', { room: event.room, nicks: this.presence.nicks(event.room) });
    if (event.occupancy !== undefined) this.emitter.emit('occupancy', { room: event.room, count: event.occupancy });
    if (event.read !== undefined && event.unread !== undefined) this.emitter.emit('unread', { room: event.room, read: event.read, unread: event.unread });
    if (result.maybeMissing) this.emitter.emit('gap', { room: event.room, reason: result.reason ?? 'messages may be missing' });
  }

  private onPresence(event: PresenceEvent): void {
    if (!this.inRoom(event.room)) return;
    this.presence.apply(event.room, event.event, event.nick);
    if (event.user !== undefined) this.users.set(event.nick, event.user);
    this.emitter.emit('presence', { room: event.room, nicks: this.presence.nicks(event.room) });
  }

  private onServerError(event: ErrorEvent): void {
    if (event.code === 'bad_cursor') {
      for (const room of this.host.rooms()) {
        this.positions.forget(room);
        this.emitter.emit('gap', { room, reason: 'the server could not resume from our position' });
      }
      return;
    }
    if (event.code === 'draining') return;
    const { transient, retryInMs } = retryOf(event);
    if (this.sends.onError(event, transient, retryInMs)) return;
    if (transient && event.for === 'join' && event.room !== undefined && this.inRoom(event.room)) {
      // E.g. the broker was unavailable for a moment: ask again rather than stay out of the room.
      const room = event.room;
      setTimeout(() => this.inRoom(room) && this.host.rejoin(room), retryInMs);
      return;
    }
    this.emitter.emit('error', { code: event.code, message: event.message });
  }
}
