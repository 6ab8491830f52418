import type { PendingSend } from './outbox.js';
import type { RoomFeatureEvents } from './room-events.js';
import type { TransportName } from './transport.js';

export interface ConnectionStatus {
  /** `unauthorized`: the server refused the token (and `getToken` gave no better one); the client does not retry. */
  readonly state: 'connecting' | 'connected' | 'reconnecting' | 'unauthorized' | 'stopped';
  readonly transport: TransportName;
  readonly node?: string;
  readonly retryInMs?: number;
  /** Why the last attempt ended, named by the transport that answered: `long-poll: poll answered 503`. */
  readonly reason?: string;
}

export interface ChatClientEvents extends RoomFeatureEvents {
  status: ConnectionStatus;
  presence: { readonly room: string; readonly nicks: readonly string[] };
  /** The server could not replay everything since our position: messages may be missing. */
  gap: { readonly room: string; readonly reason: string };
  outbox: readonly PendingSend[];
  error: { readonly code: string; readonly message: string };
  nick: string;
}

/** Emits the client's events (the ChatClient itself). */
export interface ClientEmitter {
  emit<K extends keyof ChatClientEvents>(name: K, value: ChatClientEvents[K]): void;
}
