import type { JoinedEvent } from '@chat/protocol';
import type { RoomPosition, RoomSignal } from '../types.js';
import type { MessageEnvelope } from './message-envelope.js';

export type HubDelivery =
  | { readonly kind: 'joined'; readonly event: JoinedEvent }
  | { readonly kind: 'message'; readonly envelope: MessageEnvelope }
  | { readonly kind: 'presence'; readonly room: string; readonly event: 'join' | 'leave'; readonly nick: string; readonly user?: string }
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
