import type { ChatMessage as WireMessage, RoomPosition } from '@chat/protocol';

export type { RoomPosition };

/** A stored, ordered chat message: its wire form plus what only the broker keeps. */
export interface ChatMessage extends WireMessage {
  readonly cid?: string;
}

/** What a node asks the broker to store and fan out. */
export interface MessageDraft {
  readonly nick: string;
  readonly text: string;
  readonly cid?: string;
  readonly ts?: number;
}

export interface PublishResult extends RoomPosition {
  readonly room: string;
  readonly ts: number;
  /** True when the client id was seen before: nothing was stored, the first answer is repeated. */
  readonly duplicate: boolean;
}

export interface HistoryQuery {
  /** Messages with an offset strictly greater than this; without it, the most recent ones. */
  readonly after?: number;
  readonly limit: number;
}

export interface HistoryPage extends RoomPosition {
  /** Oldest first. `offset` of the page is the room's head offset when it was read. */
  readonly messages: readonly ChatMessage[];
}

export interface PresenceMember {
  /** Unique across the cluster, e.g. `<node>:<session>`. */
  readonly id: string;
  readonly nick: string;
  readonly node: string;
}

export interface PresenceEvent {
  readonly room: string;
  readonly event: 'join' | 'leave';
  readonly member: PresenceMember;
}

/** Receives a room's traffic, in offset order, each offset once. */
export interface RoomListener {
  onMessage(message: ChatMessage): void;
  onPresence?(event: PresenceEvent): void;
  /** The room's data was lost (Redis restarted empty): offsets start again in a new epoch. */
  onEpochChange?(room: string, position: RoomPosition): void;
}
