import { parseJson, parseServerEvent as parseEvent, type AckEvent, type ServerEvent as ProtocolEvent } from '@chat/protocol';

export type { Ack } from './delivery-check.js';

/** A frame of a raw WebSocket client: a protocol event, or `other` for what the protocol does not know. */
export type ServerEvent = Exclude<ProtocolEvent, AckEvent> | (AckEvent & { readonly cid: string }) | { readonly type: 'other'; readonly raw: string };

/**
 * Reads one JSON frame with @chat/protocol's validator, for suites that still drive raw sockets
 * (test/network's roaming client); an ack without a cid is not one of theirs.
 */
export function parseServerEvent(text: string): ServerEvent {
  const event = parseEvent(parseJson(text));
  if (!event || (event.type === 'ack' && event.cid === null)) return { type: 'other', raw: text };
  return event as ServerEvent;
}
