import type { RawData } from 'ws';
import { utf8Text } from '../utf8.js';

function bytesOf(data: RawData): Buffer {
  if (Buffer.isBuffer(data)) return data;
  if (Array.isArray(data)) return Buffer.concat(data);
  return Buffer.from(data);
}

/** The text of a WebSocket text frame (ws hands it over as a Buffer, or as fragments; it checked the UTF-8). */
export function textOf(data: RawData): string {
  return bytesOf(data).toString('utf8');
}

/** The text of a binary frame, or undefined when it is not UTF-8 (ws checks only text frames). */
export function strictTextOf(data: RawData): string | undefined {
  return utf8Text(bytesOf(data));
}
