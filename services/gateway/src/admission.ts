import type { IncomingMessage } from 'node:http';
import { ChatError, dmMembers, isDmRoom } from '@chat/protocol';
import { tokenOf, type Identity } from './auth/identity.js';
import type { GatewayContext } from './context.js';
import type { TransportName } from './metrics.js';
import { originAllowed } from './transports/origin-policy.js';

/** A request that passed admission: who it speaks for, from where, and its connection slot. */
export interface Admitted {
  readonly identity: Identity;
  /** The rooms asked for, each allowed to this identity. */
  readonly rooms: readonly string[];
  readonly ip: string;
  /** Frees the connection slot of the client IP (a no-op for plain requests); idempotent. */
  readonly release: () => void;
}

export interface AdmissionOptions {
  /** Reads the rooms the request asks for (after authentication); each must be allowed. */
  readonly rooms?: () => readonly string[];
  /** A read that a draining node still answers (history, presence). */
  readonly readOnly?: boolean;
}

/** Transports that hold a connection open, counted against MAX_CONNECTIONS_PER_IP. */
const LONG_LIVED: ReadonlySet<TransportName> = new Set(['ws', 'ws_line', 'sse', 'xhr_stream', 'pushlet', 'poll', 'tcp']);
/**
 * Transports a browser opens without a CORS preflight: the origin is checked for them. (A
 * pushlet is a frame navigation, which sends no Origin; its page only talks to a same-origin parent.)
 */
const ORIGIN_CHECKED: ReadonlySet<TransportName> = new Set(['ws', 'ws_line', 'sse', 'xhr_stream', 'pushlet']);
const noRelease = (): void => undefined;

/** Checks that do not depend on the request: a draining node, or one without its broker, takes no new clients. */
function checkNodeTakesClients(context: GatewayContext, transport: TransportName, readOnly: boolean): void {
  if (context.draining && !readOnly) throw new ChatError('draining', 'node draining, reconnect elsewhere');
  if (context.refusingNewClients && LONG_LIVED.has(transport)) throw new ChatError('unavailable', 'this node lost its message broker; connect to another node');
}

/**
 * The one admission step of every transport, in one order: draining or broker loss, origin,
 * identity, room access, then the client IP's connection slot. Throws a ChatError whose code (from the
 * protocol's table) each transport turns into its own answer: an HTTP status, a WebSocket
 * close code or a line-protocol notice.
 */
export async function admit(context: GatewayContext, request: IncomingMessage, transport: TransportName, options: AdmissionOptions = {}): Promise<Admitted> {
  const { config, metrics } = context;
  checkNodeTakesClients(context, transport, options.readOnly === true);
  if (ORIGIN_CHECKED.has(transport) && !originAllowed(request, config.allowedOrigins)) {
    metrics.limitViolation('origin');
    throw new ChatError('forbidden', 'origin not allowed');
  }
  const identity = await context.authenticate(tokenOf(request));
  const rooms = options.rooms?.() ?? [];
  for (const room of rooms) authorizeRoom(identity, room);
  const ip = context.clientIp(request);
  return { identity, rooms, ip, release: LONG_LIVED.has(transport) ? takeConnectionSlot(context, ip) : noRelease };
}

/** Admission of a raw TCP connection, before its first line: draining, broker loss and the IP's slot. */
export function admitSocket(context: GatewayContext, ip: string): () => void {
  checkNodeTakesClients(context, 'tcp', false);
  return takeConnectionSlot(context, ip);
}

/**
 * Whether the identity may use the room: a direct-message room `dm:<subA>:<subB>` (sorted) is open
 * to exactly those two authenticated users, whatever their `rooms` claim; any other room as the
 * token allows.
 */
export function mayUseRoom(identity: Identity, room: string): boolean {
  if (isDmRoom(room)) return identity.user !== undefined && (dmMembers(room)?.includes(identity.user) ?? false);
  return identity.mayUseRoom(room);
}

/** Throws `forbidden` unless the identity may use the room. */
export function authorizeRoom(identity: Identity, room: string): void {
  if (!mayUseRoom(identity, room)) {
    throw new ChatError('forbidden', isDmRoom(room) ? `room '${room}' is a direct conversation of two other users` : `your token does not allow room '${room}'`);
  }
}

function takeConnectionSlot(context: GatewayContext, ip: string): () => void {
  const release = context.takeConnectionSlot(ip);
  if (!release) throw new ChatError('too_many_connections', 'too many connections from your address');
  return release;
}
