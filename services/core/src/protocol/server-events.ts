import type { ChatMessage, PresenceMember, RoomPosition } from '../types.js';

export interface WelcomeEvent {
  readonly type: 'welcome';
  readonly node: string;
  readonly session: string;
  readonly nick: string;
}

export interface JoinedEvent extends RoomPosition {
  readonly type: 'joined';
  readonly room: string;
  readonly recovered: boolean;
  readonly messages: readonly ChatMessage[];
  readonly presence: ReadonlyArray<{ readonly nick: string }>;
}

export type ServerEvent =
  | WelcomeEvent
  | JoinedEvent
  | { readonly type: 'left'; readonly room: string }
  | { readonly type: 'ack'; readonly cid: string | null; readonly room: string; readonly epoch: string; readonly offset: number; readonly ts: number; readonly duplicate: boolean }
  | { readonly type: 'nick'; readonly nick: string }
  | { readonly type: 'pong' }
  | { readonly type: 'presence'; readonly room: string; readonly event: 'join' | 'leave'; readonly nick: string }
  | { readonly type: 'error'; readonly code: string; readonly message: string; readonly [extra: string]: unknown };

/** The wire form of a message: the object clients see, without internal fields. */
export function messageEvent(message: ChatMessage): Record<string, unknown> {
  return {
    type: 'message',
    room: message.room,
    epoch: message.epoch,
    offset: message.offset,
    nick: message.nick,
    text: message.text,
    ts: message.ts,
  };
}

export function joinedEventJson(event: JoinedEvent): string {
  return JSON.stringify({ ...event, messages: event.messages.map(messageEvent) });
}

export function presenceNicks(members: readonly PresenceMember[]): Array<{ nick: string }> {
  return members.map((member) => ({ nick: member.nick }));
}

/** The JSON text of a server event (a `joined` carries its messages in wire form). */
export function encodeServerEvent(event: ServerEvent): string {
  return event.type === 'joined' ? joinedEventJson(event) : JSON.stringify(event);
}
