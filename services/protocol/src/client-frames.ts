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
}
export interface NickFrame {
  readonly type: 'nick';
  readonly nick: string;
}
export interface PingFrame {
  readonly type: 'ping';
}

export type ClientFrame = JoinFrame | LeaveFrame | SendFrame | NickFrame | PingFrame;
export type ClientFrameType = ClientFrame['type'];

/**
 * A frame whose type and structure are known but whose names and text are not yet checked:
 * the session checks them against its limits and answers errors naming the frame.
 */
export type UncheckedClientFrame =
  | { readonly type: 'join'; readonly room: unknown; readonly since?: RoomPosition; readonly nick?: unknown }
  | { readonly type: 'leave'; readonly room: unknown }
  | { readonly type: 'send'; readonly room: unknown; readonly text: unknown; readonly cid?: unknown }
  | { readonly type: 'nick'; readonly nick: unknown }
  | { readonly type: 'ping' };

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
      return { type: 'send', room: value.room, text: value.text, cid: value.cid };
    case 'nick':
      return { type: 'nick', nick: value.nick };
    case 'ping':
      return { type: 'ping' };
    default:
      throw new ChatError(
        typeof value.type === 'string' ? 'unknown_type' : 'bad_request',
        typeof value.type === 'string' ? `unknown frame type '${value.type.slice(0, 32)}'` : 'every frame needs a string "type"',
      );
  }
}
