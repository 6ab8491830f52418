import { ChatError } from '@chat/protocol';
import { newEpochCandidate } from '../epoch.js';
import { foldMessage } from '../history-fold.js';
import { decodeStoredMessage, encodeAmendBody, encodeSignal } from '../message-codec.js';
import type { AmendDraft, RoomMessage, HistoryPage, PageQuery, PublishResult, ReadState, RoomSignal } from '../types.js';
import { KeyedBatches } from './keyed-batches.js';
import type { RedisKeys } from './keys.js';
import { roomArguments, type ChatScripts } from './scripts.js';

/** Readers one read-states.lua call reads at most. */
const READERS_PER_CALL = 200;

export interface RoomFeatureSettings {
  readonly keys: RedisKeys;
  /** ROOM_TTL_MS: 0 keeps rooms forever. */
  readonly roomTtlMs: number;
  readonly historySize: number;
  readonly idempotencyWindow: number;
  /** PUBLISH, or SPUBLISH on a cluster. */
  publishCommand(): string;
  /** Runs one Redis call as the broker does (availability check, errors, metrics). */
  call<T>(operation: (commands: ChatScripts) => Promise<T>): Promise<T>;
}

/** The chat features of RedisBroker beyond messages: edit and delete, history pages, read positions, signals. */
export class RedisRoomFeatures {
  private readonly readStates = new KeyedBatches<string, ReadState>((room, readers) => this.readStatesOf(room, readers), READERS_PER_CALL);

  constructor(private readonly settings: RoomFeatureSettings) {}

  async amend(room: string, draft: AmendDraft): Promise<PublishResult> {
    const keys = this.settings.keys.room(room);
    const { settings } = this;
    const ts = draft.ts ?? Date.now();
    const [epoch, offset, outcome, extra] = await settings.call((commands) =>
      commands.chatAmend(
        keys.meta,
        keys.log,
        keys.cid,
        keys.folds,
        keys.amends,
        ...roomArguments(newEpochCandidate(), settings.roomTtlMs, false),
        settings.historySize,
        draft.cid ?? '',
        draft.target,
        draft.requester,
        draft.moderator ? '1' : '0',
        encodeAmendBody(draft, ts),
        keys.channel,
        settings.idempotencyWindow,
        settings.publishCommand(),
      ),
    );
    if (Number(outcome) === -1) {
      if (extra === 'forbidden') throw new ChatError('forbidden', 'only its author or a moderator may change a message');
      throw new ChatError('not_found', `no message at offset ${draft.target} in this room's history`);
    }
    const firstTs = extra === undefined ? undefined : decodeStoredMessage(room, extra)?.ts;
    return { room, epoch, offset: Number(offset), ts: firstTs ?? ts, duplicate: Number(outcome) === 1 };
  }

  async historyPage(room: string, query: PageQuery): Promise<HistoryPage> {
    const keys = this.settings.keys.room(room);
    const [epoch, offset, payloads, folds] = await this.settings.call((commands) =>
      commands.chatHistoryPage(keys.meta, keys.log, keys.cid, keys.folds, ...roomArguments(newEpochCandidate(), this.settings.roomTtlMs, false), query.before ?? -1, query.limit),
    );
    const messages: RoomMessage[] = [];
    payloads.forEach((payload, index) => {
      const message = decodeStoredMessage(room, payload);
      const fold = folds[index];
      if (message) messages.push(foldMessage(message, fold ? decodeStoredMessage(room, fold) : undefined));
    });
    return { epoch, offset: Number(offset), messages };
  }

  markRead(room: string, reader: string, offset: number): Promise<ReadState & { readonly moved: boolean }> {
    return this.readMark(room, reader, offset);
  }

  /** A reader's position; the readers of one room asking at one moment (a join storm) share a call. */
  readState(room: string, reader: string): Promise<ReadState> {
    return this.readStates.add(room, reader);
  }

  async signal(room: string, signal: RoomSignal): Promise<void> {
    await this.settings.call((commands) => commands.chatSignal(this.settings.keys.room(room).channel, encodeSignal(signal), this.settings.publishCommand()));
  }

  private async readStatesOf(room: string, readers: readonly string[]): Promise<ReadState[]> {
    const keys = this.settings.keys.room(room);
    const [epoch, head, states] = await this.settings.call((commands) =>
      commands.chatReadStates(keys.meta, keys.log, keys.cid, keys.reads, keys.amends, ...roomArguments(newEpochCandidate(), this.settings.roomTtlMs, false), ...readers),
    );
    return readers.map((_, index) => ({ epoch, offset: Number(head), read: Number(states[index * 2]), unread: Number(states[index * 2 + 1]) }));
  }

  private async readMark(room: string, reader: string, offset: number): Promise<ReadState & { readonly moved: boolean }> {
    const keys = this.settings.keys.room(room);
    const [epoch, head, read, unread, moved] = await this.settings.call((commands) =>
      commands.chatReadMark(keys.meta, keys.log, keys.cid, keys.reads, keys.amends, ...roomArguments(newEpochCandidate(), this.settings.roomTtlMs, false), reader, offset),
    );
    return { epoch, offset: Number(head), read: Number(read), unread: Number(unread), moved: Number(moved) === 1 };
  }
}
