import { formatEditedOutput, formatNotice, formatOutput, messageEvent } from '@chat/protocol';
import { StoredMessage } from '../message-codec.js';
import type { RoomMessage } from '../types.js';

/**
 * A stored payload already holds the wire members in wire order (epoch, offset, nick, text, ts):
 * the frame is the type and room put in front of it, with no parse and no re-encode. Room names
 * are of a JSON-safe alphabet.
 */
function encodeMessageFrame(message: RoomMessage): string {
  if (message instanceof StoredMessage) return `{"type":"message","room":"${message.room}",${message.payload.slice(1)}`;
  return JSON.stringify(messageEvent(message));
}

function lineOf({ kind, nick, text }: RoomMessage): string {
  if (kind === 'edit') return formatEditedOutput(nick, text);
  return kind === 'delete' ? formatNotice(`${nick} deleted a message`) : formatOutput(nick, text);
}

/** One message on its way to every local member: each wire form is encoded once per node, lazily. */
export class MessageEnvelope {
  private jsonFrame: string | undefined;
  private lineFrame: string | undefined;

  constructor(readonly message: RoomMessage) {}

  /** `{"type":"message",…}` for WebSocket frames, SSE data and long-poll events. */
  get json(): string {
    return (this.jsonFrame ??= encodeMessageFrame(this.message));
  }

  /** The event type: `message`, or `edit` / `delete` for those stream entries. */
  get type(): 'message' | 'edit' | 'delete' {
    return this.message.kind ?? 'message';
  }

  /** `output ! nick: text` for line-protocol clients (`output ! nick (edited): text` for an edit). */
  get line(): string {
    return (this.lineFrame ??= lineOf(this.message));
  }
}
