import type { ClientSpec } from '../gen/messages.js';
import type { ServerUnderTest } from '../servers/types.js';

/** Client specs per generator process. */
export type Layout = ClientSpec[][];

function emptyLayout(generators: number): Layout {
  return Array.from({ length: generators }, () => []);
}

/** Idle connections, spread round-robin over the server's nodes and the generators. */
export function idleLayout(server: ServerUnderTest, count: number, generators: number): Layout {
  const layout = emptyLayout(generators);
  for (let i = 0; i < count; i++) {
    const url = server.urls[i % server.urls.length] ?? '';
    layout[i % generators]?.push({ url, protocol: server.protocol, room: 'idle', sender: false, slow: false, idle: true });
  }
  return layout;
}

/**
 * Rooms of `roomSize`, every client a sender. A room's members alternate over the nodes (so every
 * room spans nodes) but all live in one generator, so send and receive times share a clock.
 */
export function chatLayout(server: ServerUnderTest, clients: number, roomSize: number, generators: number, prefix: string): Layout {
  const layout = emptyLayout(generators);
  const rooms = Math.ceil(clients / roomSize);
  for (let i = 0; i < clients; i++) {
    const room = Math.floor(i / roomSize);
    const url = server.urls[i % server.urls.length] ?? '';
    layout[Math.floor((room * generators) / rooms)]?.push({ url, protocol: server.protocol, room: `${prefix}${room}`, sender: true, slow: false, idle: false });
  }
  return layout;
}

/**
 * Rooms of `roomSize` with one sender each (the room's first member): at a chat's pace every
 * delivery is its own write for every server. Rooms never straddle generators.
 */
export function oneSenderRoomsLayout(server: ServerUnderTest, clients: number, roomSize: number, generators: number, prefix: string): Layout {
  return chatLayout(server, clients, roomSize, generators, prefix).map((specs) =>
    specs.map((spec, i) => ({ ...spec, sender: i % roomSize === 0 })),
  );
}

/** One room of `clients`; client 0 is the only sender; `slow` receivers (never the sender) stop reading. */
export function broadcastLayout(server: ServerUnderTest, clients: number, generators: number, room: string, slow = 0): Layout {
  const layout = emptyLayout(generators);
  const slowEvery = slow > 0 ? Math.floor(clients / slow) : 0;
  for (let i = 0; i < clients; i++) {
    const url = server.urls[i % server.urls.length] ?? '';
    const isSlow = slowEvery > 0 && i % slowEvery === slowEvery - 1 && i > 0;
    layout[i % generators]?.push({ url, protocol: server.protocol, room, sender: i === 0, slow: isSlow, idle: false });
  }
  return layout;
}

/** Clients per generator process and per 127.0.0.x source address in the big idle layouts. */
export const CLIENTS_PER_GENERATOR = 8000;
/**
 * Ephemeral ports per (source, destination) pair are ~28k here (32768–60999), but a client bound
 * to a source address cannot take a port still in TIME_WAIT from an earlier run, and the port
 * search slows as the range fills: a few thousand per address keeps connecting fast.
 */
export const CLIENTS_PER_SOURCE_ADDRESS = 5000;

/**
 * Idle connections that join rooms of `roomSize` later, spread round-robin over the server's
 * nodes (so a room spans every node, as behind a least-connections balancer), from several
 * 127.0.0.x source addresses, one generator per 8,000. A room's members share a generator (so
 * its send and receive times share a clock) and its first member is its sender.
 */
export function idleRoomsLayout(server: ServerUnderTest, count: number, roomSize: number, prefix: string): Layout {
  const generators = Math.max(2, Math.ceil(count / CLIENTS_PER_GENERATOR));
  const layout = emptyLayout(generators);
  for (let i = 0; i < count; i++) {
    const room = Math.floor(i / roomSize);
    const generator = Math.floor((room * roomSize * generators) / count);
    const localAddress = `127.0.0.${2 + (Math.floor(i / CLIENTS_PER_SOURCE_ADDRESS) % 250)}`;
    const url = server.urls[i % server.urls.length] ?? '';
    layout[Math.min(generator, generators - 1)]?.push({ url, protocol: server.protocol, room: `${prefix}${room}`, sender: i % roomSize === 0, slow: false, idle: true, localAddress });
  }
  return layout;
}

/** How many clients of a layout send, per generator (to split an aggregate rate). */
export function sendersPerGenerator(layout: Layout): number[] {
  return layout.map((clients) => clients.filter((client) => client.sender).length);
}

/** Splits an aggregate send rate over generators in proportion to their senders. */
export function splitRate(totalPerSec: number, layout: Layout): number[] {
  const senders = sendersPerGenerator(layout);
  const total = senders.reduce((sum, n) => sum + n, 0);
  return senders.map((n) => (total === 0 ? 0 : (totalPerSec * n) / total));
}
