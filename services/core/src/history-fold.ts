import type { RoomMessage } from './types.js';

/** A message as a history page shows it: its latest edit applied, or emptied when deleted. */
export function foldMessage(message: RoomMessage, latest: RoomMessage | undefined): RoomMessage {
  if (!latest || latest.epoch !== message.epoch || latest.target !== message.offset) return message;
  const { room, epoch, offset, nick, ts } = message;
  return latest.kind === 'delete' ? { room, epoch, offset, nick, text: '', ts, deleted: true } : { room, epoch, offset, nick, text: latest.text, ts, edited: true };
}

/** Whether a stream entry is a plain message (not an edit or delete of one). */
export const isPlainMessage = (message: RoomMessage): boolean => message.kind === undefined;
