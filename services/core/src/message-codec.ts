import type { ChatMessage, MessageDraft, PresenceEvent, PresenceMember } from './types.js';

/**
 * The stored and published form of a message is one JSON object: `{"epoch","offset",…body}`.
 * The publisher encodes the body once; the store prepends epoch and offset.
 */
export function encodeMessageBody(draft: MessageDraft, ts: number): string {
  const body = draft.cid === undefined ? { nick: draft.nick, text: draft.text, ts } : { nick: draft.nick, text: draft.text, ts, cid: draft.cid };
  return JSON.stringify(body).slice(1);
}

export function encodeStoredMessage(epoch: string, offset: number, body: string): string {
  return `{"epoch":${JSON.stringify(epoch)},"offset":${offset},${body}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function toMessage(room: string, value: Record<string, unknown>): ChatMessage | undefined {
  const { epoch, offset, nick, text, ts, cid } = value;
  if (typeof epoch !== 'string' || typeof offset !== 'number' || typeof nick !== 'string') return undefined;
  if (typeof text !== 'string' || typeof ts !== 'number') return undefined;
  return typeof cid === 'string' ? { room, epoch, offset, nick, text, ts, cid } : { room, epoch, offset, nick, text, ts };
}

function toMember(value: unknown): PresenceMember | undefined {
  if (!isRecord(value)) return undefined;
  const { id, nick, node } = value;
  if (typeof id !== 'string' || typeof nick !== 'string' || typeof node !== 'string') return undefined;
  return { id, nick, node };
}

/** Decodes a stored message; undefined for anything malformed. */
export function decodeStoredMessage(room: string, payload: string): ChatMessage | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    return isRecord(value) ? toMessage(room, value) : undefined;
  } catch {
    return undefined;
  }
}

/** Decodes what a room's channel carries: a message or a presence change. */
export function decodeChannelPayload(room: string, payload: string): ChatMessage | PresenceEvent | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    if (!isRecord(value)) return undefined;
    if (value.presence === 'join' || value.presence === 'leave') {
      const member = toMember(value.member);
      return member && { room, event: value.presence, member };
    }
    return toMessage(room, value);
  } catch {
    return undefined;
  }
}

export function encodeMember(member: PresenceMember): string {
  return JSON.stringify({ id: member.id, nick: member.nick, node: member.node });
}

export function decodeMember(json: string): PresenceMember | undefined {
  try {
    return toMember(JSON.parse(json));
  } catch {
    return undefined;
  }
}
