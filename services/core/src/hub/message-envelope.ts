import { formatOutput, messageEvent } from '@chat/protocol';
import { StoredMessage } from '../message-codec.js';
import type { ChatMessage } from '../types.js';

/**
 * A stored payload already holds the wire members in wire order (epoch, offset, nick, text, ts):
 * the frame is the type and room put in front of it, with no parse and no re-encode. Room names
 * are of a JSON-safe alphabet.
 */
function encodeMessageFrame(message: ChatMessage): string {
  if (message instanceof StoredMessage) return `{"type":"message","room":"${message.room}",${message.payload.slice(1)}`;
  return JSON.stringify(messageEvent(message));
}

/** One message on its way to every local member: each wire form is encoded once per node, lazily. */
export class MessageEnvelope {
  private jsonFrame: string | undefined;
  private lineFrame: string | undefined;

  constructor(readonly message: ChatMessage) {}

  /** `{"type":"message",…}` for WebSocket frames, SSE data and long-poll events. */
  get json(): string {
    return (this.jsonFrame ??= encodeMessageFrame(this.message));
  }

  /** `output ! nick: text` for line-protocol clients. */
  get line(): string {
    return (this.lineFrame ??= formatOutput(this.message.nick, this.message.text));
  }
}
