import type { SignalPayload } from './message-codec.js';
import type { ChatMessage, PresenceEvent, RoomListener, RoomPosition } from './types.js';
import { BrokerUnavailableError } from './errors.js';

/** What a broker's backend must offer for the registry to keep its rooms subscribed and ordered. */
export interface ChannelBackend {
  subscribeChannels(rooms: readonly string[]): Promise<void>;
  unsubscribeChannel(room: string): Promise<void>;
  /** Reads the room's epoch (creating it when new), its head offset and messages after `after`. */
  readRoom(room: string, after: number, limit: number): Promise<{ position: RoomPosition; messages: ChatMessage[] }>;
  onEpochChange(room: string, position: RoomPosition): void;
  onBackfillGap(room: string, expectedOffset: number, gotOffset: number): void;
}

const BACKFILL_PAGE = 500;
const BACKFILL_RETRY_MS = 500;

class RoomState {
  /** Each listener with the position after which it receives messages (unset until the room is live). */
  readonly listeners = new Map<RoomListener, RoomPosition | undefined>();
  /** Last position delivered to listeners; set while the node is subscribed to the room. */
  position: RoomPosition | undefined;
  /** Messages that arrived while a backfill was reading the stream. */
  pending: ChatMessage[] | undefined;
  backfilling = false;
  private chain: Promise<void> = Promise.resolve();

  get live(): boolean {
    return this.position !== undefined;
  }

  /** Runs subscribe/unsubscribe operations of one room one after another. */
  serialize(operation: () => Promise<void>): Promise<void> {
    const next = this.chain.then(operation);
    this.chain = next.catch(() => undefined);
    return next;
  }
}

/**
 * The rooms a node is subscribed to: reference-counted by local listeners, each room delivered in
 * offset order with each offset once. A jump in offsets is backfilled from the room's history
 * before delivery; after a reconnect every room is resynchronised from its last delivered offset.
 */
export class RoomRegistry {
  private readonly rooms = new Map<string, RoomState>();

  constructor(private readonly backend: ChannelBackend) {}

  liveRooms(): readonly string[] {
    return [...this.rooms].filter(([, state]) => state.live).map(([room]) => room);
  }

  async add(room: string, listener: RoomListener): Promise<RoomPosition> {
    const state = this.rooms.get(room) ?? this.create(room);
    if (state.live && state.position) {
      state.listeners.set(listener, state.position);
      return state.position;
    }
    state.listeners.set(listener, undefined);
    try {
      await state.serialize(() => this.reconcile(room, state));
    } catch (error) {
      state.listeners.delete(listener);
      void state.serialize(() => this.reconcile(room, state)).catch(() => undefined);
      throw error;
    }
    const start = state.listeners.get(listener) ?? state.position;
    if (!start) throw new BrokerUnavailableError();
    return start;
  }

  async remove(room: string, listener: RoomListener): Promise<void> {
    const state = this.rooms.get(room);
    if (!state?.listeners.delete(listener)) return;
    if (state.listeners.size === 0) await state.serialize(() => this.reconcile(room, state));
  }

  /** A message from the room's channel. */
  receive(message: ChatMessage): void {
    const state = this.rooms.get(message.room);
    if (!state?.position) return;
    if (state.pending) {
      state.pending.push(message);
      return;
    }
    this.accept(message.room, state, message);
  }

  receivePresence(event: PresenceEvent): void {
    const state = this.rooms.get(event.room);
    if (!state?.live) return;
    for (const listener of state.listeners.keys()) listener.onPresence?.(event);
  }

  receiveSignal({ room, signal }: SignalPayload): void {
    const state = this.rooms.get(room);
    if (!state?.live) return;
    for (const listener of state.listeners.keys()) listener.onSignal?.(signal);
  }

  /** After the backend reconnected: subscribe every live room again and fill what was missed. */
  async resync(): Promise<void> {
    const live = [...this.rooms].filter(([, state]) => state.live);
    if (live.length === 0) return;
    for (const [, state] of live) state.pending ??= [];
    await this.backend.subscribeChannels(live.map(([room]) => room));
    await Promise.all(live.map(([room, state]) => this.backfill(room, state)));
  }

  private create(room: string): RoomState {
    const state = new RoomState();
    this.rooms.set(room, state);
    return state;
  }

  private async reconcile(room: string, state: RoomState): Promise<void> {
    const wanted = state.listeners.size > 0;
    if (wanted && !state.live) {
      await this.backend.subscribeChannels([room]);
      try {
        const { position } = await this.backend.readRoom(room, 0, 0);
        state.position = position;
        for (const [listener, start] of state.listeners) if (!start) state.listeners.set(listener, position);
      } catch (error) {
        await this.backend.unsubscribeChannel(room).catch(() => undefined);
        throw error;
      }
    } else if (!wanted && state.live) {
      state.position = undefined;
      state.pending = undefined;
      await this.backend.unsubscribeChannel(room);
    }
    if (state.listeners.size === 0 && !state.live && this.rooms.get(room) === state) this.rooms.delete(room);
  }

  /** `verified`: the room's epoch was just read from the backend, so another epoch is stale. */
  private accept(room: string, state: RoomState, message: ChatMessage, verified = false): void {
    const position = state.position;
    if (!position) return;
    if (message.epoch !== position.epoch) {
      if (verified) return;
      state.pending = [message];
      void this.backfill(room, state);
    } else if (message.offset === position.offset + 1) {
      this.deliver(state, message);
    } else if (message.offset > position.offset + 1) {
      state.pending = [message];
      void this.backfill(room, state);
    }
  }

  private deliver(state: RoomState, message: ChatMessage): void {
    state.position = { epoch: message.epoch, offset: message.offset };
    for (const listener of state.listeners.keys()) listener.onMessage(message);
  }

  /** Reads what follows the last delivered offset (or a new epoch) and then drains what queued. */
  private async backfill(room: string, state: RoomState): Promise<void> {
    if (state.backfilling) return;
    state.backfilling = true;
    try {
      await this.catchUp(room, state);
    } catch {
      // The backend failed mid-read: try again shortly; resync() also runs when it reconnects.
      setTimeout(() => {
        if (state.live && state.pending) void this.backfill(room, state);
      }, BACKFILL_RETRY_MS).unref();
      return;
    } finally {
      state.backfilling = false;
    }
    const queued = state.pending ?? [];
    state.pending = undefined;
    for (const [index, message] of queued.entries()) {
      this.accept(room, state, message, true);
      // A new gap started another backfill: it queues the rest.
      if (state.pending) return void (state.pending as ChatMessage[]).push(...queued.slice(index + 1));
    }
  }

  private async catchUp(room: string, state: RoomState): Promise<void> {
    for (;;) {
      const position = state.position;
      if (!position) return;
      const page = await this.backend.readRoom(room, position.offset, BACKFILL_PAGE);
      if (state.position !== position) continue;
      if (page.position.epoch !== position.epoch) {
        state.position = { epoch: page.position.epoch, offset: 0 };
        for (const listener of state.listeners.keys()) listener.onEpochChange?.(room, state.position);
        this.backend.onEpochChange(room, state.position);
        continue;
      }
      for (const message of page.messages) {
        if (message.offset <= state.position.offset) continue;
        if (message.offset !== state.position.offset + 1) {
          this.backend.onBackfillGap(room, state.position.offset + 1, message.offset);
        }
        this.deliver(state, message);
      }
      if (page.messages.length < BACKFILL_PAGE || page.position.offset <= state.position.offset) return;
    }
  }
}
