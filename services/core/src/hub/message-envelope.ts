import { formatOutput } from '../protocol/line-protocol.js';
import { messageEvent } from '../protocol/server-events.js';
import type { ChatMessage } from '../types.js';

/** One message on its way to every local member: each wire form is encoded once per node, lazily. */
export class MessageEnvelope {
  private jsonFrame: string | undefined;
  private lineFrame: string | undefined;

  constructor(readonly message: ChatMessage) {}

  /** `{"type":"message",…}` for WebSocket frames, SSE data and long-poll events. */
  get json(): string {
    return (this.jsonFrame ??= JSON.stringify(messageEvent(this.message)));
  }

  /** `output ! nick: text` for line-protocol clients. */
  get line(): string {
    return (this.lineFrame ??= formatOutput(this.message.nick, this.message.text));
  }
}
