import type { HistoryEvent } from '@chat/protocol';
import type { Broker } from '../broker.js';
import type { AmendDraft, PublishResult, ReadState } from '../types.js';

/** The chat features a client asks for (over a WebSocket frame or an HTTP call), on one node's broker. */
export class RoomActions {
  constructor(private readonly broker: Broker) {}

  /** Tells the room's other members that `nick` is typing. */
  typing(room: string, nick: string): Promise<void> {
    return this.broker.signal(room, { type: 'typing', room, nick });
  }

  /** Moves the reader's position forward; when it moved, members get `read {nick, offset}`. */
  async read(room: string, reader: string, nick: string, offset: number): Promise<ReadState> {
    const { moved, ...state } = await this.broker.markRead(room, reader, offset);
    if (moved) await this.broker.signal(room, { type: 'read', room, nick, offset: state.read });
    return state;
  }

  amend(room: string, draft: AmendDraft): Promise<PublishResult> {
    return this.broker.amend(room, draft);
  }

  /** A page of messages below `before` (the newest when absent), folded, oldest first. */
  async history(room: string, before: number | undefined, limit: number): Promise<HistoryEvent> {
    const page = await this.broker.historyPage(room, before === undefined ? { limit } : { before, limit });
    return { type: 'history', room, epoch: page.epoch, messages: page.messages };
  }
}
