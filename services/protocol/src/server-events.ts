import type { ErrorCode } from './errors.js';
import type { ChatMessage, RoomPosition } from './types.js';

/** Server → client events of the JSON protocol (WebSocket frames, SSE `data:`, long-poll events). */
export interface WelcomeEvent {
  readonly type: 'welcome';
  readonly node: string;
  readonly session: string;
  readonly nick: string;
}

export interface PresenceEntry {
  readonly nick: string;
}

export interface JoinedEvent extends RoomPosition {
  readonly type: 'joined';
  readonly room: string;
  /** False when the room's data was lost since the client's position: messages may be missing. */
  readonly recovered: boolean;
  readonly messages: readonly ChatMessage[];
  readonly presence: readonly PresenceEntry[];
}

export interface MessageEvent extends ChatMessage {
  readonly type: 'message';
}

export interface PresenceEvent {
  readonly type: 'presence';
  readonly room: string;
  readonly event: 'join' | 'leave';
  readonly nick: string;
}

export interface AckEvent extends RoomPosition {
  readonly type: 'ack';
  readonly cid: string | null;
  readonly room: string;
  readonly ts: number;
  /** True when the cid was seen before: nothing new was stored. */
  readonly duplicate: boolean;
}

export interface LeftEvent {
  readonly type: 'left';
  readonly room: string;
}

export interface NickEvent {
  readonly type: 'nick';
  readonly nick: string;
}

export interface PongEvent {
  readonly type: 'pong';
}

/** An error about one frame; the connection stays open. `for` names the frame type it is about. */
export interface ErrorEvent {
  readonly type: 'error';
  readonly code: ErrorCode;
  readonly message: string;
  readonly for?: string;
  readonly room?: string;
  readonly cid?: string;
  readonly retryAfterMs?: number;
}

export type ServerEvent =
  | WelcomeEvent
  | JoinedEvent
  | MessageEvent
  | PresenceEvent
  | AckEvent
  | LeftEvent
  | NickEvent
  | PongEvent
  | ErrorEvent;

export type ServerEventType = ServerEvent['type'];

/** The wire form of a message: exactly the members clients see, in wire order. */
export function messageEvent(message: ChatMessage): MessageEvent {
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

/** The JSON text of a server event; a `joined` carries its messages in wire form. */
export function encodeServerEvent(event: ServerEvent): string {
  return event.type === 'joined' ? JSON.stringify({ ...event, messages: event.messages.map(messageEvent) }) : JSON.stringify(event);
}
