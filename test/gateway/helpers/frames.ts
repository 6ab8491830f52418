import {
  parseJson,
  parseServerEvent,
  type AckEvent,
  type ErrorEvent,
  type JoinedEvent,
  type MessageEvent,
  type PresenceEvent,
  type ServerEvent,
} from '@chat/protocol';

/** Parses one frame's text with @chat/protocol's validator; anything it does not accept is a test failure. */
export function parseFrame(text: string): ServerEvent {
  const event = parseServerEvent(parseJson(text));
  if (!event) throw new Error(`not a server event of the protocol: ${text.slice(0, 200)}`);
  return event;
}

export const isMessage = (event: ServerEvent, room?: string): event is MessageEvent =>
  event.type === 'message' && (room === undefined || event.room === room);
export const isJoined = (event: ServerEvent, room?: string): event is JoinedEvent => event.type === 'joined' && (room === undefined || event.room === room);
export const isAck = (event: ServerEvent): event is AckEvent => event.type === 'ack';
export const isError = (event: ServerEvent, code?: string): event is ErrorEvent => event.type === 'error' && (code === undefined || event.code === code);
export const isPresence = (event: ServerEvent, room?: string): event is PresenceEvent =>
  event.type === 'presence' && (room === undefined || event.room === room);

/** Offsets of `messages`, for gap checks. */
export const offsetsOf = (messages: ReadonlyArray<{ readonly offset: number }>): number[] => messages.map((message) => message.offset);

/** `[from, from+1, …, to]` */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);
}
