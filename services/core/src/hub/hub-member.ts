import type { JoinedEvent, PresenceEvent as PresenceNotice } from '@chat/protocol';
import type { RoomPosition, RoomSignal } from '../types.js';
import type { MessageEnvelope } from './message-envelope.js';

export type HubDelivery =
  | { readonly kind: 'joined'; readonly event: JoinedEvent }
  | { readonly kind: 'message'; readonly envelope: MessageEnvelope }
  /** One event object for every local member of the room: transports encode it once. */
  | { readonly kind: 'presence'; readonly event: PresenceNotice }
  /** An ephemeral event: typing, a read position, a big room's occupancy. */
  | { readonly kind: 'signal'; readonly event: RoomSignal }
  /** The room's data was lost: the member's position restarts in a new epoch. */
  | { readonly kind: 'reset'; readonly room: string; readonly position: RoomPosition };

/** A local connection in one or more rooms, whatever its transport. */
export interface HubMember {
  /** Unique on this node. */
  readonly id: string;
  readonly nick: string;
  /** The token `sub` of a signed-in member, shown in presence. */
  readonly user?: string | undefined;
  deliver(delivery: HubDelivery): void;
}
