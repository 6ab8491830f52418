import { parseServerEvent } from '@chat/protocol';
import type { AmendDraft, RoomMessage, MessageDraft, PresenceEvent, PresenceMember, RoomPosition, RoomSignal } from './types.js';

/** A signal as a room's channel carries it, with the room it arrived on. */
export interface SignalPayload {
  readonly room: string;
  readonly signal: RoomSignal;
}

/**
 * The stored and published form of a message is one JSON object: `{"epoch","offset",…body}`.
 * The publisher encodes the body once; the store prepends epoch and offset.
 */
export function encodeMessageBody(draft: MessageDraft, ts: number): string {
  // The client id stays out: idempotency keeps it apart, and other clients have no use for it.
  return JSON.stringify({ nick: draft.nick, text: draft.text, ts }).slice(1);
}

/**
 * The body of an edit or delete entry; the store prepends epoch, offset and target. A delete keeps
 * an empty text so every entry decodes alike.
 */
export function encodeAmendBody(draft: AmendDraft, ts: number): string {
  return JSON.stringify({ kind: draft.kind, nick: draft.nick, text: draft.kind === 'edit' ? draft.text : '', ts }).slice(1);
}

/** The channel form of an ephemeral signal. */
export function encodeSignal(signal: RoomSignal): string {
  return `{"signal":${JSON.stringify(signal)}}`;
}

const STORED_PREFIX = '{"epoch":"';
const TARGET_KEY = ',"target":';
const OFFSET_KEY = '","offset":';
const TS_KEY = ',"ts":';

/**
 * A message as its stored JSON arrived from the channel: epoch and offset are read by a scan (all
 * that ordering needs); the rest is parsed only when someone asks (line clients, history).
 */
export class StoredMessage implements RoomMessage {
  private fields: { nick: string; text: string; ts: number } | undefined;

  constructor(
    readonly room: string,
    readonly epoch: string,
    readonly offset: number,
    /** `{"epoch":…,"offset":…,"nick":…,"text":…,"ts":…}`, exactly as stored. */
    readonly payload: string,
  ) {}

  get nick(): string {
    return this.parsed().nick;
  }

  get text(): string {
    return this.parsed().text;
  }

  /** Scanned, not parsed: every node reads it for the delivery-latency histogram. */
  get ts(): number {
    if (this.fields) return this.fields.ts;
    // A stored payload is flat and `"` inside a string is escaped, so the key appears once, as a key.
    const at = this.payload.lastIndexOf(TS_KEY);
    if (at < 0) return this.parsed().ts;
    let ts = 0;
    let index = at + TS_KEY.length;
    let digits = 0;
    for (let code = this.payload.charCodeAt(index); code >= 48 && code <= 57; code = this.payload.charCodeAt(++index), digits++) ts = ts * 10 + code - 48;
    return digits > 0 ? ts : this.parsed().ts;
  }

  private parsed(): { nick: string; text: string; ts: number } {
    if (!this.fields) {
      const value = decodeStoredMessage(this.room, this.payload);
      this.fields = value ? { nick: value.nick, text: value.text, ts: value.ts } : { nick: '', text: '', ts: 0 };
    }
    return this.fields;
  }
}

/** Reads epoch and offset off the front of a stored payload; undefined when it is not one. */
function scanStoredMessage(room: string, payload: string): StoredMessage | undefined {
  if (!payload.startsWith(STORED_PREFIX)) return undefined;
  const epochEnd = payload.indexOf(OFFSET_KEY, STORED_PREFIX.length);
  if (epochEnd < 0) return undefined;
  const epoch = payload.slice(STORED_PREFIX.length, epochEnd);
  let index = epochEnd + OFFSET_KEY.length;
  let offset = 0;
  for (let code = payload.charCodeAt(index); code >= 48 && code <= 57; code = payload.charCodeAt(++index)) offset = offset * 10 + code - 48;
  if (index === epochEnd + OFFSET_KEY.length || payload[index] !== ',' || epoch.includes('\\') || epoch.includes('"')) return undefined;
  // Edit and delete entries are rare: parsed whole, and framed by their own type.
  if (payload.startsWith(TARGET_KEY, index)) return undefined;
  return new StoredMessage(room, epoch, offset, payload);
}

export function encodeStoredMessage(epoch: string, offset: number, body: string): string {
  return `{"epoch":${JSON.stringify(epoch)},"offset":${offset},${body}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

function toMessage(room: string, value: Record<string, unknown>): RoomMessage | undefined {
  const { epoch, offset, nick, text, ts, cid, kind, target } = value;
  if (typeof epoch !== 'string' || typeof offset !== 'number' || typeof nick !== 'string') return undefined;
  if (typeof text !== 'string' || typeof ts !== 'number') return undefined;
  const base = typeof cid === 'string' ? { room, epoch, offset, nick, text, ts, cid } : { room, epoch, offset, nick, text, ts };
  if (kind !== 'edit' && kind !== 'delete') return base;
  return typeof target === 'number' ? { ...base, kind, target } : undefined;
}

function toMember(value: unknown): PresenceMember | undefined {
  if (!isRecord(value)) return undefined;
  const { id, nick, node, user } = value;
  if (typeof id !== 'string' || typeof nick !== 'string' || typeof node !== 'string') return undefined;
  return typeof user === 'string' ? { id, nick, node, user } : { id, nick, node };
}

/** The stored payloads of messages decoded whole (edits, deletes, history reads), by message. */
const parsedPayloads = new WeakMap<RoomPosition, string>();

/** Keeps a message's stored payload for storedPayloadOf; passes the message through. */
function withPayload(message: RoomMessage | undefined, payload: string): RoomMessage | undefined {
  if (message) parsedPayloads.set(message, payload);
  return message;
}

/** Decodes a stored message; undefined for anything malformed. */
export function decodeStoredMessage(room: string, payload: string): RoomMessage | undefined {
  try {
    const value: unknown = JSON.parse(payload);
    return isRecord(value) ? toMessage(room, value) : undefined;
  } catch {
    return undefined;
  }
}

/** As decodeStoredMessage, for a message a room will deliver: storedPayloadOf gives its payload back. */
export function decodeDeliveredMessage(room: string, payload: string): RoomMessage | undefined {
  return withPayload(decodeStoredMessage(room, payload), payload);
}

/** The payload a message was decoded from, exactly as stored; '' for a position that is no decoded message. */
export function storedPayloadOf(position: RoomPosition): string {
  return position instanceof StoredMessage ? position.payload : (parsedPayloads.get(position) ?? '');
}

function toSignal(room: string, value: unknown): SignalPayload | undefined {
  const event = parseServerEvent(value);
  if (event?.type !== 'typing' && event?.type !== 'read' && event?.type !== 'occupancy') return undefined;
  return event.room === room ? { room, signal: event } : undefined;
}

/** Whether a decoded channel payload is presence changes. */
export function isPresenceEvents(payload: RoomMessage | readonly PresenceEvent[] | SignalPayload): payload is readonly PresenceEvent[] {
  return Array.isArray(payload);
}

/**
 * Decodes what a room's channel carries: a message (scanned, not parsed), presence changes (one
 * join or leave, or a sweep's batch of leaves) or a signal.
 */
export function decodeChannelPayload(room: string, payload: string): RoomMessage | readonly PresenceEvent[] | SignalPayload | undefined {
  const stored = scanStoredMessage(room, payload);
  if (stored) return stored;
  try {
    const value: unknown = JSON.parse(payload);
    if (!isRecord(value)) return undefined;
    if (value.presence === 'join' || value.presence === 'leave') {
      const event = value.presence;
      const listed = Array.isArray(value.members) ? (value.members as unknown[]) : [value.member];
      return listed.map(toMember).flatMap((member) => (member ? [{ room, event, member }] : []));
    }
    if ('signal' in value) return toSignal(room, value.signal);
    return withPayload(toMessage(room, value), payload);
  } catch {
    return undefined;
  }
}

export function encodeMember(member: PresenceMember): string {
  return JSON.stringify(member.user === undefined ? { id: member.id, nick: member.nick, node: member.node } : { id: member.id, nick: member.nick, node: member.node, user: member.user });
}

export function decodeMember(json: string): PresenceMember | undefined {
  try {
    return toMember(JSON.parse(json));
  } catch {
    return undefined;
  }
}
