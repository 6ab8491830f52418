import type { PendingSend } from './outbox.js';
import type { RoomPosition, ServerEvent } from '@chat/protocol';

/** Every transport, best first. */
export const TRANSPORT_NAMES = ['websocket', 'sse', 'xhr-stream', 'pushlet', 'long-poll'] as const;
export type TransportName = (typeof TRANSPORT_NAMES)[number];

/** How a transport instance ended and what the client should do next. */
export interface TransportClose {
  /** True when the transport had reached its ready state (welcome / first poll answer). */
  readonly opened: boolean;
  readonly reason: string;
  readonly code?: number;
  /** `now`: reconnect at once elsewhere (a draining node); `backoff`: wait first. */
  readonly reconnect: 'now' | 'backoff';
}

/** Everything a transport needs from the client, read at the moment it is needed. */
export interface TransportContext {
  rooms(): readonly string[];
  nick(): string;
  position(room: string): RoomPosition | undefined;
  /** A fresh resume cursor for these rooms, from the client's positions (undefined: start fresh). */
  cursor(rooms: readonly string[]): string | undefined;
}

export interface TransportHandlers {
  onOpen(node: string): void;
  /** A later request was answered by another node (long-poll: any node answers any poll). */
  onNode(node: string): void;
  onEvent(event: ServerEvent): void;
  /** A full list of who is in a room (long-poll has no presence events, so it asks now and then). */
  onPresenceSnapshot(room: string, nicks: readonly string[]): void;
  /** The connection dropped but the transport is reconnecting by itself (EventSource). */
  onInterrupted(reason: string): void;
  /** Called once per instance; the instance is dead afterwards. */
  onClose(close: TransportClose): void;
}

/** One connection attempt over one transport; the client makes a new one per attempt. */
export interface Transport {
  readonly name: TransportName;
  start(): void;
  /** Starts receiving a room (resuming from the context's position for it). */
  join(room: string): void;
  leave(room: string): void;
  setNick(nick: string): void;
  /** Sends or re-sends; the outcome arrives as an `ack` or an `error` event carrying the cid. */
  send(item: PendingSend): void;
  /** Hands the open connection a renewed token (WebSocket: a `refresh` frame); streams reopen instead. */
  refresh?(token: string): void;
  close(): void;
}

export const OPEN_TIMEOUT_MS = 6_000;
