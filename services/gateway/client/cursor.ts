import type { RoomPosition } from './protocol.js';

/**
 * Encodes per-room positions as a resume cursor (docs/PROTOCOL.md "Positions and cursors").
 * The client normally echoes the server's cursor; it builds one itself only when it starts a
 * fresh SSE stream or poll loop, e.g. after falling back from WebSocket, so the position carries over.
 */
export function encodeCursor(positions: ReadonlyMap<string, RoomPosition>, rooms: readonly string[]): string | undefined {
  const plain: Record<string, [string, number]> = {};
  let any = false;
  for (const room of rooms) {
    const position = positions.get(room);
    if (!position) continue;
    plain[room] = [position.epoch, position.offset];
    any = true;
  }
  if (!any) return undefined;
  const bytes = new TextEncoder().encode(JSON.stringify(plain));
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}
