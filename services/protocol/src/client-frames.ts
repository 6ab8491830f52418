import { ChatError } from './errors.js';
import { isRecord } from './guards.js';
import type { RoomPosition } from './types.js';

/** Client → server frames of the JSON protocol, as a well-behaved client builds them. */
export interface JoinFrame {
  readonly type: 'join';
  readonly room: string;
  /** Resume after this position: the server replays what followed it, if still in history. */
  readonly since?: RoomPosition;
  readonly nick?: string;
}
export interface LeaveFrame {
  readonly type: 'leave';
  readonly room: string;
}
export interface SendFrame {
  readonly type: 'send';
  readonly room: string;
  readonly text: string;
  /** Client message id: a retried send with the same cid is stored once. */
  readonly cid?: string;
  /** Without auth: the author key (see validateAuthorKey); the server makes one when absent. */
  readonly key?: string;
}
export interface NickFrame {
  readonly type: 'nick';
  readonly nick: string;
}
export interface PingFrame {
  readonly type: 'ping';
}

/** "I am typing": relayed to the room's other members, at most once a second per room. */
export interface TypingFrame {
  readonly type: 'typing';
  readonly room: string;
}
/** Stores this reader's position in the room; it never moves backwards. */
export interface ReadFrame {
  readonly type: 'read';
  readonly room: string;
  readonly offset: number;
}
/** Replaces the text of the message at `offset` (its author, or a moderator). */
export interface EditFrame {
  readonly type: 'edit';
  readonly room: string;
  readonly offset: number;
  readonly text: string;
  readonly cid?: string;
  /** Without auth: the key the message's send was acked with. */
  readonly key?: string;
}
/** Deletes the message at `offset` (its author, or a moderator). */
export interface DeleteFrame {
  readonly type: 'delete';
  readonly room: string;
  readonly offset: number;
  readonly cid?: string;
  /** Without auth: the key the message's send was acked with. */
  readonly key?: string;
}
/** A newer token for this connection, before its token expires (answered `refreshed {exp}`). */
export interface RefreshFrame {
  readonly type: 'refresh';
  readonly token: string;
}
/** Asks for messages below `before` (newest `limit`, oldest first). */
export interface HistoryFrame {
  readonly type: 'history';
  readonly room: string;
  readonly before: number;
  readonly limit?: number;
}

export type ClientFrame = JoinFrame | LeaveFrame | SendFrame | NickFrame | PingFrame | TypingFrame | ReadFrame | EditFrame | DeleteFrame | HistoryFrame | RefreshFrame;
export type ClientFrameType = ClientFrame['type'];

/**
 * A frame whose type and structure are known but whose names and text are not yet checked:
 * the session checks them against its limits and answers errors naming the frame.
 */
export type UncheckedClientFrame =
  | { readonly type: 'join'; readonly room: unknown; readonly since?: RoomPosition; readonly nick?: unknown }
  | { readonly type: 'leave'; readonly room: unknown }
  | { readonly type: 'send'; readonly room: unknown; readonly text: unknown; readonly cid?: unknown; readonly key?: unknown }
  | { readonly type: 'nick'; readonly nick: unknown }
  | { readonly type: 'ping' }
  | { readonly type: 'typing'; readonly room: unknown }
  | { readonly type: 'read'; readonly room: unknown; readonly offset: number }
  | { readonly type: 'edit'; readonly room: unknown; readonly offset: number; readonly text: unknown; readonly cid?: unknown; readonly key?: unknown }
  | { readonly type: 'delete'; readonly room: unknown; readonly offset: number; readonly cid?: unknown; readonly key?: unknown }
  | { readonly type: 'history'; readonly room: unknown; readonly before: number; readonly limit?: number }
  | { readonly type: 'refresh'; readonly token: string };

/** Most messages one history page holds; the default is HISTORY_PAGE_DEFAULT. */
export const HISTORY_PAGE_MAX = 1000;
export const HISTORY_PAGE_DEFAULT = 50;

/** Returns a message offset (an integer ≥ `min`) or throws `bad_request` naming the field. */
export function validateOffset(value: unknown, name: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw new ChatError('bad_request', `${name} must be an integer >= ${min}`);
  return value;
}

/** Returns a history page size (1..HISTORY_PAGE_MAX), the default when absent. */
export function validateHistoryLimit(value: unknown): number {
  if (value === undefined || value === null) return HISTORY_PAGE_DEFAULT;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1 || value > HISTORY_PAGE_MAX) {
    throw new ChatError('bad_request', `limit must be an integer from 1 to ${HISTORY_PAGE_MAX}`);
  }
  return value;
}

function parseSince(value: unknown): RoomPosition | undefined {
  if (value === undefined || value === null) return undefined;
  if (!isRecord(value) || typeof value.epoch !== 'string' || value.epoch.length > 64) {
    throw new ChatError('bad_request', 'since must be {epoch: string, offset: integer >= 0}');
  }
  const { epoch, offset } = value;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw new ChatError('bad_request', 'since must be {epoch: string, offset: integer >= 0}');
  }
  return { epoch, offset };
}

/** Parses one text frame; throws ChatError `bad_json`, `bad_request` or `unknown_type`. */
export function parseClientFrame(text: string): UncheckedClientFrame {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ChatError('bad_json', 'frames must be JSON objects');
  }
  if (!isRecord(value)) throw new ChatError('bad_json', 'frames must be JSON objects');
  switch (value.type) {
    case 'join': {
      const since = parseSince(value.since);
      const base = { type: 'join' as const, room: value.room, nick: value.nick };
      return since ? { ...base, since } : base;
    }
    case 'leave':
      return { type: 'leave', room: value.room };
    case 'send':
      return { type: 'send', room: value.room, text: value.text, cid: value.cid, key: value.key };
    case 'nick':
      return { type: 'nick', nick: value.nick };
    case 'ping':
      return { type: 'ping' };
    case 'typing':
      return { type: 'typing', room: value.room };
    case 'read':
      return { type: 'read', room: value.room, offset: validateOffset(value.offset, 'offset', 0) };
    case 'edit':
      return { type: 'edit', room: value.room, offset: validateOffset(value.offset, 'offset'), text: value.text, cid: value.cid, key: value.key };
    case 'delete':
      return { type: 'delete', room: value.room, offset: validateOffset(value.offset, 'offset'), cid: value.cid, key: value.key };
    case 'refresh':
      if (typeof value.token !== 'string' || value.token.length === 0 || value.token.length > 8192) throw new ChatError('bad_request', 'refresh needs a token (a string of at most 8192 characters)');
      return { type: 'refresh', token: value.token };
    case 'history': {
      const limit = validateHistoryLimit(value.limit);
      return { type: 'history', room: value.room, before: validateOffset(value.before, 'before'), limit };
    }
    default:
      throw new ChatError(
        typeof value.type === 'string' ? 'unknown_type' : 'bad_request',
        typeof value.type === 'string' ? `unknown frame type '${value.type.slice(0, 32)}'` : 'every frame needs a string "type"',
      );
  }
}
