import type { ChatMessage, OccupancyEvent, ReadEvent, TypingEvent } from '@chat/protocol';

/** The chat features' events of a ChatClient. */
export interface RoomFeatureEvents {
  /** A message not shown before, in offset order per room. */
  message: ChatMessage;
  /** A message was edited (`target`) or deleted; both are entries with their own offset. */
  edit: ChatMessage & { readonly target: number };
  delete: ChatMessage & { readonly target: number };
  typing: { readonly room: string; readonly nick: string };
  /** A member's read position moved. */
  read: { readonly room: string; readonly nick: string; readonly offset: number };
  /** Distinct members present (from `joined`, and `occupancy` events of big rooms). */
  occupancy: { readonly room: string; readonly count: number };
  /** This reader's stored position on (re)joining a room and the messages after it. */
  unread: { readonly room: string; readonly read: number; readonly unread: number };
}

/** Whatever can emit these events (the ChatClient). */
interface FeatureEmitter {
  emit<K extends keyof RoomFeatureEvents>(name: K, value: RoomFeatureEvents[K]): void;
}

/** Emits a stream entry: a message, or an edit or delete of one. */
export function emitEntry(emitter: FeatureEmitter, entry: ChatMessage): void {
  if (entry.kind !== undefined && entry.target !== undefined) emitter.emit(entry.kind, { ...entry, target: entry.target });
  else emitter.emit('message', entry);
}

/** Emits an ephemeral room event under its own name. */
export function emitSignal(emitter: FeatureEmitter, event: TypingEvent | ReadEvent | OccupancyEvent): void {
  switch (event.type) {
    case 'typing':
      return emitter.emit('typing', { room: event.room, nick: event.nick });
    case 'read':
      return emitter.emit('read', { room: event.room, nick: event.nick, offset: event.offset });
    case 'occupancy':
      return emitter.emit('occupancy', { room: event.room, count: event.count });
  }
}
