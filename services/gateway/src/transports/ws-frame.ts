import { Sender } from 'ws';

const TEXT_FRAME = { fin: true, opcode: 0x01, mask: false, readOnly: false, rsv1: false } as const;

/** An unmasked, unfragmented WebSocket text frame, framed by ws: built once, written to many sockets. */
export function encodeTextFrame(text: string): Buffer {
  const payload = Buffer.from(text, 'utf8');
  const [header] = Sender.frame(payload, TEXT_FRAME);
  // One buffer per frame: the frame cache hands the same one to every member's socket.
  return Buffer.concat([header, payload], header.length + payload.length);
}
