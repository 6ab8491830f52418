/** Server → client events of the JSON protocol (DESIGN 2.3) as the e2e clients read them. */
export interface MessageEvent {
  readonly type: 'message';
  readonly room: string;
  readonly epoch: string;
  readonly offset: number;
  readonly nick: string;
  readonly text: string;
  readonly ts: number;
}

export interface JoinedEvent {
  readonly type: 'joined';
  readonly room: string;
  readonly epoch: string;
  readonly offset: number;
  readonly recovered: boolean;
  readonly messages: readonly MessageEvent[];
}

export interface WelcomeEvent {
  readonly type: 'welcome';
  readonly node: string;
  readonly session: string;
}

/** A stored send: the answer to a WebSocket `send` (`ack`) or to a POST (201/200). */
export interface Ack {
  readonly room: string;
  readonly epoch: string;
  readonly offset: number;
  readonly cid: string;
  /** The node that answered. */
  readonly node: string;
}

export type ServerEvent =
  | WelcomeEvent
  | JoinedEvent
  | MessageEvent
  | { readonly type: 'ack'; readonly cid: string; readonly room: string; readonly epoch: string; readonly offset: number }
  | { readonly type: 'error'; readonly code: string; readonly message: string; readonly room?: string }
  | { readonly type: 'other'; readonly raw: Record<string, unknown> };

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const isString = (value: unknown): value is string => typeof value === 'string';
const isOffset = (value: unknown): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;

function toMessage(value: unknown): MessageEvent {
  if (!isRecord(value) || !isString(value.room) || !isString(value.epoch) || !isOffset(value.offset) || !isString(value.text)) {
    throw new Error(`malformed message event: ${JSON.stringify(value)}`);
  }
  return {
    type: 'message',
    room: value.room,
    epoch: value.epoch,
    offset: value.offset,
    nick: isString(value.nick) ? value.nick : '',
    text: value.text,
    ts: typeof value.ts === 'number' ? value.ts : 0,
  };
}

/** Validates one decoded JSON object from a WebSocket frame, an SSE `data:` or a poll body. */
export function toServerEvent(value: unknown): ServerEvent {
  if (!isRecord(value) || !isString(value.type)) throw new Error(`event without a type: ${JSON.stringify(value)}`);
  switch (value.type) {
    case 'welcome':
      if (!isString(value.node) || !isString(value.session)) throw new Error(`malformed welcome: ${JSON.stringify(value)}`);
      return { type: 'welcome', node: value.node, session: value.session };
    case 'joined': {
      const { room, epoch, offset, recovered, messages } = value;
      if (!isString(room) || !isString(epoch) || !isOffset(offset) || typeof recovered !== 'boolean' || !Array.isArray(messages)) {
        throw new Error(`malformed joined: ${JSON.stringify(value)}`);
      }
      return { type: 'joined', room, epoch, offset, recovered, messages: messages.map(toMessage) };
    }
    case 'message':
      return toMessage(value);
    case 'ack': {
      const { cid, room, epoch, offset } = value;
      if (!isString(cid) || !isString(room) || !isString(epoch) || !isOffset(offset)) throw new Error(`malformed ack: ${JSON.stringify(value)}`);
      return { type: 'ack', cid, room, epoch, offset };
    }
    case 'error':
      return {
        type: 'error',
        code: isString(value.code) ? value.code : '',
        message: isString(value.message) ? value.message : '',
        ...(isString(value.room) ? { room: value.room } : {}),
      };
    default:
      return { type: 'other', raw: value };
  }
}

/** Parses a JSON text into a server event. */
export function parseServerEvent(text: string): ServerEvent {
  return toServerEvent(JSON.parse(text) as unknown);
}
