import type { ChatSession, MessageEnvelope } from '@chat/core';
import { LINE_ROOM, formatNotice, formatStatus, formatTick, parseLineCommand, type ServerEvent } from '@chat/protocol';
import type { Identity } from '../auth/identity.js';
import type { GatewayContext } from '../context.js';
import type { TransportName } from '../metrics.js';
import { openChatSession } from '../session-factory.js';
import type { Idler } from './idle-ticker.js';

export interface LineOutput {
  line(text: string): void;
  message(envelope: MessageEnvelope): void;
  /** The client kept flooding after being told to slow down: disconnect it. */
  abuse(): void;
}

/**
 * The seed's line protocol as a codec over a chat session in `lobby`: `msg !` sends, `nick !`
 * renames, anything else is echoed as `status ! received '…'`, errors become `status ! <code>:
 * <message>`, and an idle connection hears the clock. Limits and the abuse rule are the session's.
 */
export class LineSession implements Idler {
  lastActivity = Date.now();
  private readonly session: ChatSession;
  private closed = false;
  /** The lobby join: lines wait for it, so a client that speaks at once still hears its own message. */
  private joined: Promise<void> = Promise.resolve();

  constructor(
    context: GatewayContext,
    transport: TransportName,
    private readonly output: LineOutput,
    identity: Identity,
  ) {
    this.session = openChatSession(context, {
      transport,
      identity,
      output: {
        event: (event) => this.onEvent(event),
        message: (envelope) => {
          this.lastActivity = Date.now();
          output.message(envelope);
        },
      },
      onAbuse: () => output.abuse(),
    });
  }

  start(): Promise<void> {
    this.joined = this.session.handleCommand({ type: 'join', room: LINE_ROOM });
    return this.joined;
  }

  async handleLine(line: string): Promise<void> {
    this.lastActivity = Date.now();
    // Awaited by every line, so lines keep their order (a session's commands never reject).
    await this.joined;
    const command = parseLineCommand(line);
    switch (command.kind) {
      case 'msg':
        return this.session.handleCommand({ type: 'send', room: LINE_ROOM, text: command.text });
      case 'nick':
        return this.session.handleCommand({ type: 'nick', nick: command.nick });
      case 'other':
        this.output.line(formatStatus(command.data));
        return;
    }
  }

  tick(now: Date): void {
    if (!this.closed) this.output.line(formatTick(now));
  }

  close(): Promise<void> {
    this.closed = true;
    return this.session.close();
  }

  /** Of the JSON protocol's events, the line protocol shows only errors. */
  private onEvent(event: ServerEvent): void {
    if (!this.closed && event.type === 'error') this.output.line(formatNotice(`${event.code}: ${event.message}`));
  }
}
