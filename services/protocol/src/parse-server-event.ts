import { isErrorCode } from './errors.js';
import { isFiniteNumber, isOffset, isRecord, isString, type JsonRecord } from './guards.js';
import { isHeartbeatInterval } from './streaming.js';
import type { AckEvent, DeleteEvent, EditEvent, ErrorEvent, HistoryEvent, JoinedEvent, PresenceEntry, ServerEvent } from './server-events.js';
import type { ChatMessage } from './types.js';

/**
 * Validates a wire stream entry: a message (with its folded flags), or an edit or delete entry
 * (`type` says which; `kind` and `target` are set). `room` fills in for entries of a `joined`.
 */
export function parseChatMessage(value: unknown, room?: string): ChatMessage | undefined {
  if (!isRecord(value)) return undefined;
  const { epoch, offset, nick, ts, type } = value;
  const text = type === 'delete' ? (value.text ?? '') : value.text;
  const inRoom = value.room ?? room;
  if (!isString(inRoom) || !isString(epoch) || !isOffset(offset) || !isString(nick) || !isString(text) || !isFiniteNumber(ts)) return undefined;
  const message = { room: inRoom, epoch, offset, nick, text, ts };
  if (type === 'edit' || type === 'delete') return isOffset(value.target) ? { ...message, kind: type, target: value.target } : undefined;
  if (value.deleted === true) return { ...message, deleted: true };
  return value.edited === true ? { ...message, edited: true } : message;
}

function parseMessages(value: unknown, room: string): ChatMessage[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const parsed: ChatMessage[] = [];
  for (const item of value) {
    const message = parseChatMessage(item, room);
    if (!message) return undefined;
    parsed.push(message);
  }
  return parsed;
}

const optionalCount = (value: unknown): { present: boolean; ok: boolean } => ({ present: value !== undefined, ok: value === undefined || isOffset(value) });

function parseJoined(value: JsonRecord): JoinedEvent | undefined {
  const { room, epoch, offset, recovered, messages, presence } = value;
  if (!isString(room) || !isString(epoch) || !isOffset(offset) || typeof recovered !== 'boolean') return undefined;
  const parsedMessages = parseMessages(messages, room);
  if (!parsedMessages || !Array.isArray(presence)) return undefined;
  const members: PresenceEntry[] = [];
  for (const member of presence) {
    if (!isRecord(member) || !isString(member.nick)) return undefined;
    members.push(isString(member.user) ? { nick: member.nick, user: member.user } : { nick: member.nick });
  }
  const counts: Record<string, number> = {};
  for (const name of ['read', 'unread', 'occupancy'] as const) {
    const check = optionalCount(value[name]);
    if (!check.ok) return undefined;
    if (check.present) counts[name] = value[name] as number;
  }
  return { type: 'joined', room, epoch, offset, recovered, messages: parsedMessages, presence: members, ...counts };
}

function parseEntryEvent(value: JsonRecord, type: 'edit' | 'delete'): EditEvent | DeleteEvent | undefined {
  const entry = parseChatMessage({ ...value, type });
  if (entry?.target === undefined) return undefined;
  const { room, epoch, offset, target, nick, text, ts } = entry;
  return type === 'edit' ? { type, room, epoch, offset, target, nick, text, ts } : { type, room, epoch, offset, target, nick, ts };
}

function parseHistory(value: JsonRecord): HistoryEvent | undefined {
  const { room, epoch } = value;
  if (!isString(room) || !isString(epoch)) return undefined;
  const messages = parseMessages(value.messages, room);
  return messages ? { type: 'history', room, epoch, messages } : undefined;
}

function parseAck(value: JsonRecord): AckEvent | undefined {
  const { cid, room, epoch, offset, ts, duplicate, key } = value;
  if ((cid !== null && !isString(cid)) || !isString(room) || !isString(epoch) || !isOffset(offset)) return undefined;
  const ack: AckEvent = { type: 'ack', cid, room, epoch, offset, ts: isFiniteNumber(ts) ? ts : Date.now(), duplicate: duplicate === true };
  return isString(key) ? { ...ack, key } : ack;
}

function parseError(value: JsonRecord): ErrorEvent | undefined {
  const { code, message } = value;
  if (!isErrorCode(code) || !isString(message)) return undefined;
  return {
    type: 'error',
    code,
    message,
    ...(isString(value.for) ? { for: value.for } : {}),
    ...(isString(value.room) ? { room: value.room } : {}),
    ...(isString(value.cid) ? { cid: value.cid } : {}),
    ...(isFiniteNumber(value.retryAfterMs) ? { retryAfterMs: value.retryAfterMs } : {}),
  };
}

/**
 * Validates one server event (unknown in, a typed event or undefined out). `hint` is the SSE
 * event name, used when the JSON itself lacks `type`. Unknown types are undefined, so a newer
 * server never breaks an older client.
 */
export function parseServerEvent(value: unknown, hint?: string): ServerEvent | undefined {
  if (!isRecord(value)) return undefined;
  const type = isString(value.type) ? value.type : hint;
  switch (type) {
    case 'welcome': {
      const { node, session, nick, heartbeatMs } = value;
      if (!isString(node) || !isString(session) || !isString(nick)) return undefined;
      // A bad interval is ignored rather than the welcome: the client falls back to its own limits.
      return isHeartbeatInterval(heartbeatMs) ? { type, node, session, nick, heartbeatMs } : { type, node, session, nick };
    }
    case 'joined':
      return parseJoined(value);
    case 'message': {
      const message = parseChatMessage(value);
      return message ? { type, ...message } : undefined;
    }
    case 'edit':
    case 'delete':
      return parseEntryEvent(value, type);
    case 'typing':
      return isString(value.room) && isString(value.nick) ? { type, room: value.room, nick: value.nick } : undefined;
    case 'read':
      return isString(value.room) && isString(value.nick) && isOffset(value.offset) ? { type, room: value.room, nick: value.nick, offset: value.offset } : undefined;
    case 'occupancy':
      return isString(value.room) && isOffset(value.count) ? { type, room: value.room, count: value.count } : undefined;
    case 'history':
      return parseHistory(value);
    case 'presence': {
      const { room, event, nick, user } = value;
      if (!isString(room) || !isString(nick) || (event !== 'join' && event !== 'leave')) return undefined;
      return isString(user) ? { type, room, event, nick, user } : { type, room, event, nick };
    }
    case 'ack':
      return parseAck(value);
    case 'refreshed':
      return isFiniteNumber(value.exp) ? { type, exp: value.exp } : undefined;
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
