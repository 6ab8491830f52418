/** The server → client objects of the JSON protocol (docs/PROTOCOL.md), as tests read them. */
export interface ServerFrame {
  readonly type: string;
  readonly [key: string]: unknown;
}

export interface MessageFrame extends ServerFrame {
  readonly type: 'message';
  readonly room: string;
  readonly epoch: string;
  readonly offset: number;
  readonly nick: string;
  readonly text: string;
  readonly ts: number;
}

export interface JoinedFrame extends ServerFrame {
  readonly type: 'joined';
  readonly room: string;
  readonly epoch: string;
  readonly offset: number;
  readonly recovered: boolean;
  readonly messages: readonly MessageFrame[];
  readonly presence: ReadonlyArray<{ readonly nick: string }>;
}

export interface AckFrame extends ServerFrame {
  readonly type: 'ack';
  readonly cid: string | null;
  readonly room: string;
  readonly epoch: string;
  readonly offset: number;
  readonly duplicate: boolean;
}

export interface ErrorFrame extends ServerFrame {
  readonly type: 'error';
  readonly code: string;
  readonly message: string;
}

export interface PresenceFrame extends ServerFrame {
  readonly type: 'presence';
  readonly room: string;
  readonly event: 'join' | 'leave';
  readonly nick: string;
}

export interface WelcomeFrame extends ServerFrame {
  readonly type: 'welcome';
  readonly node: string;
  readonly session: string;
  readonly nick: string;
}

const isFrame = (value: unknown): value is ServerFrame =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && typeof (value as { type?: unknown }).type === 'string';

/** Parses one frame's text; anything that is not a typed JSON object is a test failure. */
export function parseFrame(text: string): ServerFrame {
  const value: unknown = JSON.parse(text);
  if (!isFrame(value)) throw new Error(`not a protocol frame: ${text.slice(0, 200)}`);
  return value;
}

export const isMessage = (frame: ServerFrame, room?: string): frame is MessageFrame =>
  frame.type === 'message' && (room === undefined || frame.room === room);
export const isJoined = (frame: ServerFrame, room?: string): frame is JoinedFrame =>
  frame.type === 'joined' && (room === undefined || frame.room === room);
export const isAck = (frame: ServerFrame): frame is AckFrame => frame.type === 'ack';
export const isError = (frame: ServerFrame, code?: string): frame is ErrorFrame =>
  frame.type === 'error' && (code === undefined || frame.code === code);
export const isPresence = (frame: ServerFrame, room?: string): frame is PresenceFrame =>
  frame.type === 'presence' && (room === undefined || frame.room === room);

/** Offsets of `messages`, for gap checks. */
export const offsetsOf = (messages: readonly MessageFrame[]): number[] => messages.map((message) => message.offset);

/** `[from, from+1, …, to]` */
export function range(from: number, to: number): number[] {
  return Array.from({ length: Math.max(0, to - from + 1) }, (_, index) => from + index);
}
