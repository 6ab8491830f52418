import type { ChatMessage as WireMessage, EntryKind, OccupancyEvent, ReadEvent, RoomPosition, TypingEvent } from '@chat/protocol';

export type { RoomPosition, EntryKind };

/** A message as a room stores it: the wire `ChatMessage` plus what only the broker keeps (never sent). */
export interface RoomMessage extends WireMessage {
  readonly cid?: string;
  /** Who may edit or delete it, when not its nick (the memory broker keeps it on the message). */
  readonly author?: string;
}

/** What a node asks the broker to store and fan out. */
export interface MessageDraft {
  readonly nick: string;
  readonly text: string;
  readonly cid?: string;
  readonly ts?: number;
  /** Who may edit or delete it later (the token's `sub`), when that is not simply the nick. */
  readonly author?: string;
}

/** An edit or delete of the message at `target`, stored and fanned out as its own entry. */
export interface AmendDraft {
  readonly kind: EntryKind;
  readonly target: number;
  /** The editor's nick, shown with the entry. */
  readonly nick: string;
  /** The new text of an edit; ignored for a delete. */
  readonly text: string;
  /** Who asks: compared with the message's author (its `author`, else its nick). */
  readonly requester: string;
  /** A moderator may amend anyone's message. */
  readonly moderator: boolean;
  readonly cid?: string;
  readonly ts?: number;
}

/** A page of older history: messages below `before` (the newest when absent), folded. */
export interface PageQuery {
  readonly before?: number;
  readonly limit: number;
}

/** A reader's position in a room's current epoch and how many messages follow it. */
export interface ReadState extends RoomPosition {
  /** The stored read offset (0 if none in this epoch). */
  readonly read: number;
  readonly unread: number;
}

/** How many members a room has (presence entries) and some of them: all when they are few. */
export interface PresenceSummary {
  readonly count: number;
  readonly members: readonly PresenceMember[];
}

/** An ephemeral room event: relayed to every node's listeners, never stored. */
export type RoomSignal = TypingEvent | ReadEvent | OccupancyEvent;

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
  readonly messages: readonly RoomMessage[];
}

export interface PresenceMember {
  /** Unique across the cluster, e.g. `<node>:<session>`. */
  readonly id: string;
  readonly nick: string;
  readonly node: string;
  /** The token `sub` of a signed-in member. */
  readonly user?: string;
}

export interface PresenceEvent {
  readonly room: string;
  readonly event: 'join' | 'leave';
  readonly member: PresenceMember;
}

/** Receives a room's traffic, in offset order, each offset once. */
export interface RoomListener {
  onMessage(message: RoomMessage): void;
  onPresence?(event: PresenceEvent): void;
  /** An ephemeral event (typing, read): not ordered with messages, may be lost. */
  onSignal?(signal: RoomSignal): void;
  /** The room's data was lost (Redis restarted empty): offsets start again in a new epoch. */
  onEpochChange?(room: string, position: RoomPosition): void;
}
