import { ChatError } from './errors.js';

const ROOM_PATTERN = /^[A-Za-z0-9_.:-]{1,64}$/;
// Control characters (C0, DEL, C1) and the line/paragraph separators have no place in a nick.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/;
// A surrogate not in a pair: valid in a JS string (and as a JSON `\ud800` escape), not in UTF-8.
const LONE_SURROGATE = /\p{Cs}/u;

/** Whether a string is valid Unicode (it survives UTF-8, as Redis and every socket store it). */
function isWellFormed(text: string): boolean {
  return !LONE_SURROGATE.test(text);
}

export function isValidRoom(room: unknown): room is string {
  return typeof room === 'string' && ROOM_PATTERN.test(room);
}

/** Returns the room name or throws `invalid_room`. */
export function validateRoom(room: unknown): string {
  if (!isValidRoom(room)) throw new ChatError('invalid_room', 'room names are 1-64 characters of A-Z a-z 0-9 _ . : -');
  return room;
}

/** The trimmed nick when it is valid (1-32 characters, no control characters), else undefined. */
export function cleanNick(nick: unknown): string | undefined {
  if (typeof nick !== 'string') return undefined;
  const trimmed = nick.trim();
  const length = [...trimmed].length;
  return length >= 1 && length <= 32 && !CONTROL.test(trimmed) && isWellFormed(trimmed) ? trimmed : undefined;
}

/** Returns the trimmed nick or throws `invalid_nick`. */
export function validateNick(nick: unknown): string {
  if (typeof nick !== 'string') throw new ChatError('invalid_nick', 'nick must be a string');
  const clean = cleanNick(nick);
  if (clean === undefined) throw new ChatError('invalid_nick', 'nick must be 1-32 characters without control characters');
  return clean;
}

/** Whether `text` has more than `max` characters, counted as code points (an emoji is one, as for nicks). */
function longerThan(text: string, max: number): boolean {
  if (text.length <= max) return false; // never more code points than UTF-16 units
  let count = 0;
  for (const _ of text) if (++count > max) return true;
  return false;
}

/** Returns the text or throws `invalid_text` / `text_too_long`. */
export function validateText(text: unknown, maxLength: number): string {
  if (typeof text !== 'string' || text.length === 0) throw new ChatError('invalid_text', 'text must be a non-empty string');
  if (longerThan(text, maxLength)) throw new ChatError('text_too_long', `text is longer than ${maxLength} characters`);
  if (text.trim().length === 0) throw new ChatError('invalid_text', 'text must not be blank');
  if (!isWellFormed(text)) throw new ChatError('invalid_text', 'text must be valid Unicode (a lone surrogate cannot be stored as UTF-8)');
  return text;
}

/** Client ids are opaque to us but bounded, so a client cannot make us store large keys. */
export function validateCid(cid: unknown): string | undefined {
  if (cid === undefined || cid === null) return undefined;
  if (typeof cid !== 'string' || cid.length < 1 || cid.length > 128) {
    throw new ChatError('bad_request', 'cid must be a string of 1-128 characters');
  }
  return cid;
}

/**
 * An author key: without auth, the secret that proves who sent a message (the server keeps only
 * its hash as the message's author); 16-128 characters of A-Z a-z 0-9 _ -, e.g. a random UUID.
 */
export function validateAuthorKey(key: unknown): string | undefined {
  if (key === undefined || key === null) return undefined;
  if (typeof key !== 'string' || !/^[A-Za-z0-9_-]{16,128}$/.test(key)) {
    throw new ChatError('bad_request', 'key must be 16-128 characters of A-Z a-z 0-9 _ -');
  }
  return key;
}

/** Parses `a,b,c` into distinct valid room names. */
export function parseRoomList(value: unknown, maxRooms: number): string[] {
  if (typeof value !== 'string' || value.length === 0) throw new ChatError('invalid_room', 'rooms must be a comma-separated list of room names');
  const rooms = [...new Set(value.split(','))];
  if (rooms.length > maxRooms) throw new ChatError('too_many_rooms', `at most ${maxRooms} rooms per request`);
  return rooms.map(validateRoom);
}

const DM_PREFIX = 'dm:';

/** The direct-message room of two users (token subjects): `dm:<subA>:<subB>`, sorted. */
export function dmRoom(subA: string, subB: string): string {
  const [first, second] = [subA, subB].sort();
  return `${DM_PREFIX}${first}:${second}`;
}

/** The two users of a direct-message room, or undefined for a room that is not one (or not sorted). */
export function dmMembers(room: string): readonly [string, string] | undefined {
  if (!room.startsWith(DM_PREFIX)) return undefined;
  const parts = room.slice(DM_PREFIX.length).split(':');
  const [first, second] = parts;
  if (parts.length !== 2 || !first || !second || first > second) return undefined;
  return [first, second];
}

/** Whether a room name is in the direct-message namespace (`dm:…`): only its two users may use it. */
export const isDmRoom = (room: string): boolean => room.startsWith(DM_PREFIX);
