/** A room's position: the epoch names one life of the room's data, the offset counts messages in it. */
export interface RoomPosition {
  readonly epoch: string;
  readonly offset: number;
}

/** A stored, ordered chat message as every member sees it on the wire. */
export interface ChatMessage extends RoomPosition {
  readonly room: string;
  readonly nick: string;
  readonly text: string;
  /** Milliseconds since the Unix epoch, set by the publishing node. */
  readonly ts: number;
  /**
   * Set on an edit or delete entry of the room's stream: it changes the message at `target`.
   * Such an entry has its own offset; a delete's text is empty.
   */
  readonly kind?: EntryKind;
  readonly target?: number;
  /** In a history page (folded): the message was edited; `text` is its latest version. */
  readonly edited?: boolean;
  /** In a history page (folded): the message was deleted; `text` is empty. */
  readonly deleted?: boolean;
}

/** What a stream entry that is not a plain message does to an earlier one. */
export type EntryKind = 'edit' | 'delete';
