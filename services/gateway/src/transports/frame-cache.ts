import type { MessageEnvelope } from '@chat/core';
import { encodeServerEvent, type ServerEvent } from '@chat/protocol';
import { encodeTextFrame } from './ws-frame.js';

/**
 * Encodes a message's frame once per node. A broadcast asks for the same envelope once per member
 * in a row, so the last one is kept beside the map: the common lookup is a comparison.
 */
class FrameCache {
  private readonly frames = new WeakMap<MessageEnvelope, Buffer>();
  private lastEnvelope: MessageEnvelope | undefined;
  private lastFrame: Buffer | undefined;

  constructor(private readonly text: (envelope: MessageEnvelope) => string) {}

  frameOf(envelope: MessageEnvelope): Buffer {
    if (envelope === this.lastEnvelope && this.lastFrame) return this.lastFrame;
    let frame = this.frames.get(envelope);
    if (!frame) this.frames.set(envelope, (frame = encodeTextFrame(this.text(envelope))));
    this.lastEnvelope = envelope;
    this.lastFrame = frame;
    return frame;
  }
}

const jsonFrames = new FrameCache((envelope) => envelope.json);
const lineFrames = new FrameCache((envelope) => envelope.line);

/** The WebSocket frame of a message, encoded once per node however many members receive it. */
export function wsFrameOf(envelope: MessageEnvelope): Buffer {
  return jsonFrames.frameOf(envelope);
}

/** The line-protocol WebSocket frame (`output ! nick: text`) of a message, encoded once. */
export function wsLineFrameOf(envelope: MessageEnvelope): Buffer {
  return lineFrames.frameOf(envelope);
}

let lastEvent: ServerEvent | undefined;
let lastEventFrame: Buffer | undefined;

/**
 * The WebSocket frame of a server event. A room's presence and signal events are one object
 * handed to each local member in a row: the frame is encoded for the first and reused by the rest.
 */
export function wsEventFrameOf(event: ServerEvent): Buffer {
  if (event !== lastEvent || !lastEventFrame) {
    lastEventFrame = encodeTextFrame(encodeServerEvent(event));
    lastEvent = event;
  }
  return lastEventFrame;
}
