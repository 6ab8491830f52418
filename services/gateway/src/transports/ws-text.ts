import type { RawData } from 'ws';

/** The text of a WebSocket text frame (ws hands it over as a Buffer, or as fragments). */
export function textOf(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}
