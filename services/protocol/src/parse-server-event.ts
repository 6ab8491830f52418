import { isErrorCode } from './errors.js';
import { isFiniteNumber, isOffset, isRecord, isString, type JsonRecord } from './guards.js';
import type { AckEvent, ErrorEvent, JoinedEvent, PresenceEntry, ServerEvent } from './server-events.js';
import type { ChatMessage } from './types.js';

/** Validates a wire message; `room` fills in for messages inside a `joined` that omit it. */
export function parseChatMessage(value: unknown, room?: string): ChatMessage | undefined {
  if (!isRecord(value)) return undefined;
  const { epoch, offset, nick, text, ts } = value;
  const inRoom = value.room ?? room;
  if (!isString(inRoom) || !isString(epoch) || !isOffset(offset) || !isString(nick) || !isString(text) || !isFiniteNumber(ts)) return undefined;
  return { room: inRoom, epoch, offset, nick, text, ts };
}

function parseJoined(value: JsonRecord): JoinedEvent | undefined {
  const { room, epoch, offset, recovered, messages, presence } = value;
  if (!isString(room) || !isString(epoch) || !isOffset(offset) || typeof recovered !== 'boolean') return undefined;
  if (!Array.isArray(messages) || !Array.isArray(presence)) return undefined;
  const parsedMessages: ChatMessage[] = [];
  for (const item of messages) {
    const message = parseChatMessage(item, room);
    if (!message) return undefined;
    parsedMessages.push(message);
  }
  const members: PresenceEntry[] = [];
  for (const member of presence) {
    if (!isRecord(member) || !isString(member.nick)) return undefined;
    members.push({ nick: member.nick });
  }
  return { type: 'joined', room, epoch, offset, recovered, messages: parsedMessages, presence: members };
}

function parseAck(value: JsonRecord): AckEvent | undefined {
  const { cid, room, epoch, offset, ts, duplicate } = value;
  if ((cid !== null && !isString(cid)) || !isString(room) || !isString(epoch) || !isOffset(offset)) return undefined;
  return { type: 'ack', cid, room, epoch, offset, ts: isFiniteNumber(ts) ? ts : Date.now(), duplicate: duplicate === true };
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
      const { node, session, nick } = value;
      return isString(node) && isString(session) && isString(nick) ? { type, node, session, nick } : undefined;
    }
    case 'joined':
      return parseJoined(value);
    case 'message': {
      const message = parseChatMessage(value);
      return message ? { type, ...message } : undefined;
    }
    case 'presence': {
      const { room, event, nick } = value;
      return isString(room) && isString(nick) && (event === 'join' || event === 'leave') ? { type, room, event, nick } : undefined;
    }
    case 'ack':
      return parseAck(value);
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
