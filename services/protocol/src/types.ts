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
}
