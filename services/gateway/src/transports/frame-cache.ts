import type { MessageEnvelope } from '@chat/core';
import { encodeTextFrame } from './ws-frame.js';

const frames = new WeakMap<MessageEnvelope, Buffer>();

/** The WebSocket frame of a message, encoded once per node however many members receive it. */
export function wsFrameOf(envelope: MessageEnvelope): Buffer {
  let frame = frames.get(envelope);
  if (!frame) frames.set(envelope, (frame = encodeTextFrame(envelope.json)));
  return frame;
}

const lineFrames = new WeakMap<MessageEnvelope, Buffer>();

/** The line-protocol WebSocket frame (`output ! nick: text`) of a message, encoded once. */
export function wsLineFrameOf(envelope: MessageEnvelope): Buffer {
  let frame = lineFrames.get(envelope);
  if (!frame) lineFrames.set(envelope, (frame = encodeTextFrame(envelope.line)));
  return frame;
}
