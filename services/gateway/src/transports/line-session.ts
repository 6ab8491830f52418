import { ChatError, formatNotice, formatStatus, formatTick, parseLineCommand, validateNick, validateText, type HubDelivery, type HubMember, type MessageEnvelope } from '@chat/core';
import type { Identity } from '../auth/identity.js';
import type { GatewayContext } from '../context.js';
import type { TransportName } from '../metrics.js';
import type { Idler } from './idle-ticker.js';

export const LINE_ROOM = 'lobby';

export interface LineOutput {
  line(text: string): void;
  message(envelope: MessageEnvelope): void;
  /** The client kept flooding after being told to slow down: disconnect it. */
  abuse(): void;
}

/**
 * The seed's per-connection chat process: `msg !` goes to everyone in `lobby`, `nick !` renames,
 * anything else is echoed as `status ! received '…'`, and an idle connection hears the clock.
 */
export class LineSession implements HubMember, Idler {
  readonly id: string;
  nick: string;
  lastActivity = Date.now();
  private readonly sendBucket;
  private readonly sharedSendLimit: (() => Promise<number>) | undefined;
  private limitedInARow = 0;
  private closed = false;

  constructor(
    private readonly context: GatewayContext,
    private readonly transport: TransportName,
    private readonly output: LineOutput,
    private readonly identity: Identity,
  ) {
    this.id = context.newSessionId();
    this.nick = identity.nick ?? context.defaultNick(this.id);
    this.sendBucket = context.newSendBucket();
    this.sharedSendLimit = context.sharedSendLimit(identity);
  }

  async start(): Promise<void> {
    try {
      if (!this.identity.mayUseRoom(LINE_ROOM)) throw new ChatError('forbidden', `your token does not allow room '${LINE_ROOM}'`);
      await this.context.hub.join(LINE_ROOM, this, { announce: true });
    } catch (error) {
      this.notify(error);
    }
  }

  async handleLine(line: string): Promise<void> {
    this.lastActivity = Date.now();
    const command = parseLineCommand(line);
    try {
      if (command.kind === 'msg') {
        this.context.metrics.received[this.transport] += 1;
        if (!this.identity.mayUseRoom(LINE_ROOM)) throw new ChatError('forbidden', `your token does not allow room '${LINE_ROOM}'`);
        const text = validateText(command.text, this.context.config.maxTextLength);
        if (this.sendBucket.take() > 0 || (this.sharedSendLimit !== undefined && (await this.sharedSendLimit()) > 0)) {
          this.limitedInARow += 1;
          throw new ChatError('rate_limited', 'too many messages; slow down');
        }
        this.limitedInARow = 0;
        await this.context.publish(LINE_ROOM, { nick: this.nick, text });
      } else if (command.kind === 'nick') {
        const nick = validateNick(command.nick);
        if (this.identity.nick !== undefined && nick !== this.identity.nick) throw new ChatError('forbidden', 'your nick comes from your token');
        this.nick = nick;
        await this.context.hub.renamed(this, [LINE_ROOM]);
      } else {
        this.output.line(formatStatus(command.data));
      }
    } catch (error) {
      this.notify(error);
    }
  }

  deliver(delivery: HubDelivery): void {
    if (this.closed || delivery.kind !== 'message') return;
    this.lastActivity = Date.now();
    this.output.message(delivery.envelope);
  }

  tick(now: Date): void {
    if (!this.closed) this.output.line(formatTick(now));
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.context.hub.leave(LINE_ROOM, this);
  }

  private notify(error: unknown): void {
    if (this.closed) return;
    const message = error instanceof ChatError ? `${error.code}: ${error.message}` : 'internal error';
    this.context.metrics.clientError(error instanceof ChatError ? error.code : 'internal');
    this.output.line(formatNotice(message));
    if (error instanceof ChatError && error.code === 'rate_limited' && this.limitedInARow >= this.context.config.rateSendsBurst * 2) this.output.abuse();
  }
}
