import { ChatError } from './errors.js';
import { isValidRoom } from './names.js';
import type { RoomPosition } from './types.js';

/** Per-room positions of a stream or poll client: a self-contained resume point any node accepts. */
export type Cursor = Map<string, RoomPosition>;

const MAX_CURSOR_LENGTH = 16_384;

function toBase64Url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): string {
  const binary = atob(text.replace(/-/g, '+').replace(/_/g, '/'));
  const bytes = Uint8Array.from(binary, (char) => char.charCodeAt(0));
  return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
}

/** base64url of `{"<room>":["<epoch>",<offset>],…}`; the same on the server and in clients. */
export function encodeCursor(cursor: ReadonlyMap<string, RoomPosition>): string {
  const plain: Record<string, [string, number]> = {};
  for (const [room, position] of cursor) plain[room] = [position.epoch, position.offset];
  return toBase64Url(JSON.stringify(plain));
}

/** Decodes a cursor; throws `bad_cursor` for anything malformed. */
export function decodeCursor(text: string): Cursor {
  if (text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]*$/.test(text)) throw badCursor();
  let plain: unknown;
  try {
    plain = JSON.parse(fromBase64Url(text));
  } catch {
    throw badCursor();
  }
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) throw badCursor();
  const cursor: Cursor = new Map();
  for (const [room, value] of Object.entries(plain)) {
    if (!isValidRoom(room) || !Array.isArray(value) || value.length !== 2) throw badCursor();
    const [epoch, offset] = value as unknown[];
    if (typeof epoch !== 'string' || epoch.length > 64 || !Number.isSafeInteger(offset) || (offset as number) < 0) throw badCursor();
    cursor.set(room, { epoch, offset: offset as number });
  }
  return cursor;
}

function badCursor(): ChatError {
  return new ChatError('bad_cursor', 'the cursor is not one this server issued');
}

/**
 * The longest cursor a stream event carries (SSE `id:`, a `cursor` field, a poll's `cursor`).
 * A cursor of more rooms is sent compact: `2.<snapshot>.<delta>`, a stored snapshot of the
 * positions and what changed since (see parseCompactCursor).
 */
export const MAX_STREAM_CURSOR_LENGTH = 256;

/** A compact cursor: the id of stored positions, and the positions changed since they were stored. */
export interface CompactCursor {
  readonly snapshot: string;
  readonly delta: Cursor;
}

const COMPACT = /^2\.([A-Za-z0-9_-]{8,32})\.([A-Za-z0-9_-]*)$/;

/** `2.<snapshot>.<base64url of {"<room>":<offset>|["<epoch>",<offset>]}>`: an offset alone keeps the snapshot's epoch. */
export function encodeCompactCursor(snapshot: string, base: ReadonlyMap<string, RoomPosition>, cursor: ReadonlyMap<string, RoomPosition>): string {
  const delta: Record<string, number | [string, number]> = {};
  let changed = false;
  for (const [room, position] of cursor) {
    const before = base.get(room);
    if (before?.epoch === position.epoch && before.offset === position.offset) continue;
    delta[room] = before?.epoch === position.epoch ? position.offset : [position.epoch, position.offset];
    changed = true;
  }
  return `2.${snapshot}.${changed ? toBase64Url(JSON.stringify(delta)) : ''}`;
}

/**
 * A compact cursor's parts, or undefined for a cursor of the plain format (`decodeCursor`); the
 * delta's epochs are '' where the snapshot's apply (see applyCompactDelta). Throws `bad_cursor`.
 */
export function parseCompactCursor(text: string): CompactCursor | undefined {
  if (!text.startsWith('2.')) return undefined;
  const match = COMPACT.exec(text);
  if (!match || text.length > MAX_STREAM_CURSOR_LENGTH) throw badCursor();
  const [, snapshot = '', encoded = ''] = match;
  const delta: Cursor = new Map();
  if (encoded === '') return { snapshot, delta };
  let plain: unknown;
  try {
    plain = JSON.parse(fromBase64Url(encoded));
  } catch {
    throw badCursor();
  }
  if (typeof plain !== 'object' || plain === null || Array.isArray(plain)) throw badCursor();
  for (const [room, value] of Object.entries(plain)) {
    const [epoch, offset] = Array.isArray(value) && value.length === 2 ? (value as unknown[]) : ['', value];
    if (!isValidRoom(room) || typeof epoch !== 'string' || epoch.length > 64 || !Number.isSafeInteger(offset) || (offset as number) < 0) throw badCursor();
    delta.set(room, { epoch, offset: offset as number });
  }
  return { snapshot, delta };
}

/** The positions a compact cursor stands for: the stored snapshot with the delta on top. */
export function applyCompactDelta(snapshot: Cursor, delta: Cursor): Cursor {
  const cursor: Cursor = new Map(snapshot);
  for (const [room, position] of delta) {
    const epoch = position.epoch === '' ? snapshot.get(room)?.epoch : position.epoch;
    if (epoch === undefined) throw badCursor();
    cursor.set(room, { epoch, offset: position.offset });
  }
  return cursor;
}
