import type { ErrorCode } from './errors.js';
import type { ChatMessage, RoomPosition } from './types.js';

/** Server → client events of the JSON protocol (WebSocket frames, SSE `data:`, long-poll events). */
export interface WelcomeEvent {
  readonly type: 'welcome';
  readonly node: string;
  readonly session: string;
  readonly nick: string;
  /**
   * How often this stream carries something (an event or a `heartbeat`) when all is well, in ms:
   * a client may take a stream silent for about twice this long as dead. Absent from older nodes.
   */
  readonly heartbeatMs?: number;
}

export interface PresenceEntry {
  readonly nick: string;
  /** The member's token `sub` when signed in (what a direct-message room is named by). */
  readonly user?: string;
}

export interface JoinedEvent extends RoomPosition {
  readonly type: 'joined';
  readonly room: string;
  /** False when the room's data was lost since the client's position: messages may be missing. */
  readonly recovered: boolean;
  /** With `since`, every entry after it (edits and deletes included); else a folded first page. */
  readonly messages: readonly ChatMessage[];
  /** At most PRESENCE_LIST_MAX members. */
  readonly presence: readonly PresenceEntry[];
  /** This reader's stored read position in this epoch (0 if none). */
  readonly read?: number;
  /** Messages after `read` in this epoch. */
  readonly unread?: number;
  /** Distinct members present, across all nodes. */
  readonly occupancy?: number;
}

/** Most members a `joined` lists; `occupancy` counts them all. */
export const PRESENCE_LIST_MAX = 100;

export interface MessageEvent extends ChatMessage {
  readonly type: 'message';
}

/** A stream entry that edits the message at `target`. */
export interface EditEvent extends RoomPosition {
  readonly type: 'edit';
  readonly room: string;
  readonly target: number;
  readonly nick: string;
  readonly text: string;
  readonly ts: number;
}

/** A stream entry that deletes the message at `target`. */
export interface DeleteEvent extends RoomPosition {
  readonly type: 'delete';
  readonly room: string;
  readonly target: number;
  readonly nick: string;
  readonly ts: number;
}

/** Someone is typing in the room; ephemeral (never stored, replayed or acked). */
export interface TypingEvent {
  readonly type: 'typing';
  readonly room: string;
  readonly nick: string;
}

/** A member's read position moved forward. */
export interface ReadEvent {
  readonly type: 'read';
  readonly room: string;
  readonly nick: string;
  readonly offset: number;
}

/** How many distinct members a big room has, instead of one presence event per join and leave. */
export interface OccupancyEvent {
  readonly type: 'occupancy';
  readonly room: string;
  readonly count: number;
}

/** A page of older history: messages folded to their latest version, oldest first. */
export interface HistoryEvent {
  readonly type: 'history';
  readonly room: string;
  readonly epoch: string;
  readonly messages: readonly ChatMessage[];
}

export interface PresenceEvent {
  readonly type: 'presence';
  readonly room: string;
  readonly event: 'join' | 'leave';
  readonly nick: string;
  /** The member's token `sub` when signed in. */
  readonly user?: string;
}

export interface AckEvent extends RoomPosition {
  readonly type: 'ack';
  readonly cid: string | null;
  readonly room: string;
  readonly ts: number;
  /** True when the cid was seen before: nothing new was stored. */
  readonly duplicate: boolean;
  /** Without auth: the message's author key, the proof an edit or delete of it must carry. */
  readonly key?: string;
}

export interface LeftEvent {
  readonly type: 'left';
  readonly room: string;
}

export interface NickEvent {
  readonly type: 'nick';
  readonly nick: string;
}

export interface PongEvent {
  readonly type: 'pong';
}

/** The answer to `refresh`: the connection now lasts until the new token's `exp` (seconds since the epoch). */
export interface RefreshedEvent {
  readonly type: 'refreshed';
  readonly exp: number;
}

/** An error about one frame; the connection stays open. `for` names the frame type it is about. */
export interface ErrorEvent {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  readonly for?: string;
  readonly room?: string;
  readonly cid?: string;
  readonly retryAfterMs?: number;
}

export type ServerEvent =
  | WelcomeEvent
  | JoinedEvent
  | MessageEvent
  | EditEvent
  | DeleteEvent
  | TypingEvent
  | ReadEvent
  | OccupancyEvent
  | HistoryEvent
  | PresenceEvent
  | AckEvent
  | LeftEvent
  | NickEvent
  | PongEvent
  | RefreshedEvent
  | ErrorEvent;

export type ServerEventType = ServerEvent['type'];

/** The wire form of a stream entry: a message (folded flags when set), an edit or a delete. */
export function messageEvent(message: ChatMessage): MessageEvent | EditEvent | DeleteEvent {
  const { room, epoch, offset, nick, text, ts } = message;
  if (message.kind !== undefined && message.target !== undefined) {
    const target = message.target;
    return message.kind === 'edit' ? { type: 'edit', room, epoch, offset, target, nick, text, ts } : { type: 'delete', room, epoch, offset, target, nick, ts };
  }
  const wire: MessageEvent = { type: 'message', room, epoch, offset, nick, text, ts };
  if (message.deleted === true) return { ...wire, text: '', deleted: true };
  return message.edited === true ? { ...wire, edited: true } : wire;
}

let lastEvent: ServerEvent | undefined;
let lastText = '';

/**
 * The JSON text of a server event; `joined` and `history` carry their messages in wire form. A
 * room event handed to many members in a row (the same immutable object) is encoded once.
 */
export function encodeServerEvent(event: ServerEvent): string {
  if (event === lastEvent) return lastText;
  lastText = event.type === 'joined' || event.type === 'history' ? JSON.stringify({ ...event, messages: event.messages.map(messageEvent) }) : JSON.stringify(event);
  lastEvent = event;
  return lastText;
}
