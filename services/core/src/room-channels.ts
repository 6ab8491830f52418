import type { SignalPayload } from './message-codec.js';
import type { RoomMessage, PresenceEvent, RoomPosition } from './types.js';

/**
 * The node's room layer as a broker sees it: where the traffic of the rooms it is subscribed to
 * goes, and what it resynchronises after a reconnect. The broker does no ordering of its own.
 */
export interface RoomTraffic {
  receive(message: RoomMessage): void;
  receivePresence(event: PresenceEvent): void;
  receiveSignal(payload: SignalPayload): void;
  /** After the broker reconnected: subscribe every live room again and read what was missed. */
  resync(): Promise<void>;
  /** Rooms the node is subscribed to right now. */
  liveRooms(): readonly string[];
}

/** A room's position and the stored messages after the offset asked for. */
export interface RoomRead {
  readonly position: RoomPosition;
  readonly messages: RoomMessage[];
}

/** The pub/sub side of a broker, per room channel: what the room layer drives. */
export interface RoomChannels {
  /** Makes `traffic` the receiver of every room channel's payloads (one room layer per broker). */
  attach(traffic: RoomTraffic): void;
  subscribeChannels(rooms: readonly string[]): Promise<void>;
  unsubscribeChannel(room: string): Promise<void>;
  /**
   * Reads the room's epoch (creating the room when new, or starting a new epoch when writes it
   * delivered were lost), its head offset and up to `limit` messages after `after.offset`. `after`
   * is the message the room delivered last when there is one: a backend that can lose writes
   * checks it is still stored as it was.
   */
  readRoom(room: string, after: RoomPosition, limit: number): Promise<RoomRead>;
  /** The room's data was lost: its offsets start again in a new epoch (health, logs). */
  roomEpochChanged(room: string, position: RoomPosition): void;
  /** Messages were trimmed from history before a backfill could read them (logs). */
  backfillGap(room: string, expectedOffset: number, gotOffset: number): void;
}
