import { isFiniteNumber, isOffset, isRecord, isString, type JsonRecord } from './guards.js';

/** A room's position: the epoch names one life of the room's data, the offset counts messages in it. */
export interface RoomPosition {
  readonly epoch: string;
  readonly offset: number;
}

export interface ChatMessage extends RoomPosition {
  readonly room: string;
  readonly nick: string;
  readonly text: string;
  readonly ts: number;
}

export interface WelcomeEvent { readonly type: 'welcome'; readonly node: string; readonly session: string; readonly nick: string }
export interface JoinedEvent extends RoomPosition {
  readonly type: 'joined';
  readonly room: string;
  readonly recovered: boolean;
  readonly messages: readonly ChatMessage[];
  readonly presence: readonly string[];
}
export interface MessageEvent extends ChatMessage { readonly type: 'message' }
export interface PresenceEvent { readonly type: 'presence'; readonly room: string; readonly event: 'join' | 'leave'; readonly nick: string }
export interface AckEvent extends RoomPosition { readonly type: 'ack'; readonly cid: string | null; readonly room: string; readonly duplicate: boolean }
export interface ErrorEvent {
  readonly type: 'error';
  readonly code: string;
  readonly message: string;
  readonly cid?: string;
  readonly retryAfterMs?: number;
  /** The frame type the error is about (`send`, `join`, …), when the server says. */
  readonly about?: string;
}

/** Every server → client event of the JSON protocol the client understands. */
export type ServerEvent =
  | WelcomeEvent
  | JoinedEvent
  | MessageEvent
  | PresenceEvent
  | AckEvent
  | ErrorEvent
  | { readonly type: 'left'; readonly room: string }
  | { readonly type: 'nick'; readonly nick: string }
  | { readonly type: 'pong' };

export function parseMessage(value: unknown): ChatMessage | undefined {
  if (!isRecord(value)) return undefined;
  const { room, epoch, offset, nick, text, ts } = value;
  if (!isString(room) || !isString(epoch) || !isOffset(offset) || !isString(nick) || !isString(text)) return undefined;
  return { room, epoch, offset, nick, text, ts: isFiniteNumber(ts) ? ts : Date.now() };
}

function parseJoined(value: JsonRecord): JoinedEvent | undefined {
  const { room, epoch, offset, recovered, messages, presence } = value;
  if (!isString(room) || !isString(epoch) || !isOffset(offset)) return undefined;
  const parsedMessages: ChatMessage[] = [];
  for (const item of Array.isArray(messages) ? messages : []) {
    const message = parseMessage(isRecord(item) && item.room === undefined ? { ...item, room } : item);
    if (message) parsedMessages.push(message);
  }
  const nicks: string[] = [];
  for (const member of Array.isArray(presence) ? presence : []) {
    if (isRecord(member) && isString(member.nick)) nicks.push(member.nick);
  }
  return { type: 'joined', room, epoch, offset, recovered: recovered !== false, messages: parsedMessages, presence: nicks };
}

function parseError(value: JsonRecord): ErrorEvent {
  const code = isString(value.code) ? value.code : 'error';
  const message = isString(value.message) ? value.message : code;
  // The frame's own `type` is 'error'; the offending frame type travels beside it.
  const about = value.about ?? value.frame ?? value.request;
  return {
    type: 'error',
    code,
    message,
    ...(isString(value.cid) ? { cid: value.cid } : {}),
    ...(isFiniteNumber(value.retryAfterMs) ? { retryAfterMs: value.retryAfterMs } : {}),
    ...(isString(about) ? { about } : {}),
  };
}

/** Validates one server event; `hint` is the SSE event name when the JSON lacks `type`. Unknown → undefined. */
export function parseServerEvent(value: unknown, hint?: string): ServerEvent | undefined {
  if (!isRecord(value)) return undefined;
  const type = isString(value.type) ? value.type : hint;
  switch (type) {
    case 'welcome': {
      const { node, session, nick } = value;
      return isString(node) ? { type, node, session: isString(session) ? session : '', nick: isString(nick) ? nick : '' } : undefined;
    }
    case 'joined':
      return parseJoined(value);
    case 'message': {
      const message = parseMessage(value);
      return message ? { type, ...message } : undefined;
    }
    case 'presence': {
      const { room, event, nick } = value;
      return isString(room) && isString(nick) && (event === 'join' || event === 'leave') ? { type, room, event, nick } : undefined;
    }
    case 'ack': {
      const { cid, room, epoch, offset, duplicate } = value;
      if (!isString(room) || !isString(epoch) || !isOffset(offset)) return undefined;
      return { type, cid: isString(cid) ? cid : null, room, epoch, offset, duplicate: duplicate === true };
    }
    case 'error':
      return parseError(value);
    case 'left':
      return isString(value.room) ? { type, room: value.room } : undefined;
    case 'nick':
      return isString(value.nick) ? { type, nick: value.nick } : undefined;
    case 'pong':
      return { type };
    default:
      return undefined;
  }
}
