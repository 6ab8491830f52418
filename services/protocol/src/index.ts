export type { RoomPosition, ChatMessage, EntryKind } from './types.js';
export { ERRORS, DISCONNECTS, ChatError, isErrorCode, isRetryable, disconnectOfCloseCode } from './errors.js';
export type { ErrorCode, DisconnectCause, DisconnectSpec, Reconnect } from './errors.js';
export { isRecord, isString, isOffset, isFiniteNumber, parseJson, type JsonRecord } from './guards.js';
export { isValidRoom, validateRoom, validateNick, validateText, validateCid, validateAuthorKey, parseRoomList, cleanNick, dmRoom, dmMembers, isDmRoom } from './names.js';
export { encodeCursor, decodeCursor, encodeCompactCursor, parseCompactCursor, applyCompactDelta, MAX_STREAM_CURSOR_LENGTH, type Cursor, type CompactCursor } from './cursor.js';
export { parseLineCommand, formatOutput, formatEditedOutput, formatStatus, formatNotice, formatTick, LINE_ROOM, type LineCommand } from './line-protocol.js';
export { parseClientFrame, validateOffset, validateHistoryLimit, HISTORY_PAGE_MAX, HISTORY_PAGE_DEFAULT } from './client-frames.js';
export type { ClientFrame, ClientFrameType, UncheckedClientFrame, JoinFrame, LeaveFrame, SendFrame, NickFrame, PingFrame } from './client-frames.js';
export type { TypingFrame, ReadFrame, EditFrame, DeleteFrame, HistoryFrame, RefreshFrame } from './client-frames.js';
export { messageEvent, encodeServerEvent, PRESENCE_LIST_MAX } from './server-events.js';
export type {
  ServerEvent,
  ServerEventType,
  WelcomeEvent,
  JoinedEvent,
  MessageEvent,
  PresenceEvent,
  PresenceEntry,
  AckEvent,
  LeftEvent,
  NickEvent,
  PongEvent,
  RefreshedEvent,
  ErrorEvent,
  EditEvent,
  DeleteEvent,
  TypingEvent,
  ReadEvent,
  OccupancyEvent,
  HistoryEvent,
} from './server-events.js';
export { parseServerEvent, parseChatMessage } from './parse-server-event.js';
export { STREAM_HEARTBEAT, HEARTBEAT_TYPE, isHeartbeatInterval, PUSHLET_CALLBACK, STREAM_PADDING_BYTES, withCursor, scriptSafeJson, pushletScript } from './streaming.js';
