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
