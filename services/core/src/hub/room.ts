import { BrokerUnavailableError } from '../errors.js';
import type { RoomChannels } from '../room-channels.js';
import type { HistoryPage, RoomMessage, PresenceEvent, RoomListener, RoomPosition, RoomSignal } from '../types.js';
import type { HubDelivery, HubMember } from './hub-member.js';
import type { FreshRead } from './fresh-read.js';
import { MessageEnvelope } from './message-envelope.js';
import type { JoinPresence } from './join-presence.js';
import { RoomOccupancy } from './room-occupancy.js';

const BACKFILL_PAGE = 500;
const ROOM_START: RoomPosition = { epoch: '', offset: 0 };
const BACKFILL_RETRY_MS = 500;

/** A member that joined but has not yet received its `joined`: live messages wait for it here. */
type Waiting = RoomMessage[] | undefined;

/**
 * One room on one node, the only place that orders its traffic: it owns the room's channel
 * subscription (taken by the first member, released after the last), delivers each offset once
 * and in order (a jump is backfilled from history first; a new epoch resets every member), encodes
 * each message once for all local members, and holds messages for members still joining.
 */
export class Room {
  /** Local connections, each with the messages that wait for its `joined` (none once joined). */
  readonly members = new Map<HubMember, Waiting>();
  /** Members shown in presence: their leave removes them. */
  readonly announced = new Set<HubMember>();
  /** In-process listeners (tools, other protocols): messages from the live position on. */
  readonly listeners = new Set<RoomListener>();
  readonly occupancy: RoomOccupancy;
  /** What joins read, coalesced among the joins of one moment (kept by the hub). */
  presenceRead: FreshRead<JoinPresence> | undefined;
  firstPageRead: FreshRead<HistoryPage> | undefined;
  /** Last position delivered; set while the node is subscribed to the room. */
  private position: RoomPosition | undefined;
  /** Messages that arrived while a backfill was reading the stream. */
  private queued: RoomMessage[] | undefined;
  private backfilling = false;
  private chain: Promise<void> = Promise.resolve();

  constructor(
    readonly name: string,
    private readonly channels: RoomChannels,
    presenceEventsMax: number,
    /** Called once the room has neither members nor listeners and no subscription. */
    private readonly onEmpty: (room: Room) => void,
  ) {
    this.occupancy = new RoomOccupancy(name, presenceEventsMax, (event) => this.signal(event));
  }

  get live(): boolean {
    return this.position !== undefined;
  }

  get empty(): boolean {
    return this.members.size === 0 && this.listeners.size === 0;
  }

  /** Subscribes the node to the room unless it is already: resolves the live position. */
  async open(): Promise<RoomPosition> {
    if (this.position) return this.position;
    await this.serialize(() => this.reconcile());
    if (!this.position) throw new BrokerUnavailableError();
    return this.position;
  }

  /** Unsubscribes once nobody is left (a join that came meanwhile keeps the room open). */
  async close(): Promise<void> {
    if (this.empty) await this.serialize(() => this.reconcile());
  }

  /** A message from the room's channel. */
  receive(message: RoomMessage): void {
    if (!this.position) return;
    if (this.queued) this.queued.push(message);
    else this.accept(message);
  }

  receivePresence(event: PresenceEvent): void {
    if (!this.live) return;
    for (const listener of this.listeners) listener.onPresence?.(event);
    if (!this.occupancy.apply(event)) return;
    const { nick, user } = event.member;
    const notice = user === undefined ? { type: 'presence', room: this.name, event: event.event, nick } as const : { type: 'presence', room: this.name, event: event.event, nick, user } as const;
    const delivery: HubDelivery = { kind: 'presence', event: notice };
    this.toJoined(delivery);
  }

  receiveSignal(event: RoomSignal): void {
    if (this.live) this.signal(event);
  }

  /** After the broker reconnected: the subscription is renewed and what was missed is read. */
  async resync(): Promise<void> {
    if (!this.live) return;
    this.queued ??= [];
    await this.backfill();
  }

  /** Hands one delivery to every member that has its `joined`. */
  private toJoined(delivery: HubDelivery): void {
    this.members.forEach((waiting, member) => {
      if (!waiting) member.deliver(delivery);
    });
  }

  /** Runs subscribe and unsubscribe of this room one after another. */
  private serialize(operation: () => Promise<void>): Promise<void> {
    const next = this.chain.then(operation);
    this.chain = next.catch(() => undefined);
    return next;
  }

  private async reconcile(): Promise<void> {
    if (!this.empty && !this.live) {
      await this.channels.subscribeChannels([this.name]);
      try {
        this.position = (await this.channels.readRoom(this.name, ROOM_START, 0)).position;
      } catch (error) {
        await this.channels.unsubscribeChannel(this.name).catch(() => undefined);
        if (this.empty) this.onEmpty(this);
        throw error;
      }
    } else if (this.empty && this.live) {
      this.position = undefined;
      this.queued = undefined;
      this.occupancy.stop();
      await this.channels.unsubscribeChannel(this.name);
    }
    if (this.empty && !this.live) this.onEmpty(this);
  }

  private signal(event: RoomSignal): void {
    for (const listener of this.listeners) listener.onSignal?.(event);
    const delivery: HubDelivery = { kind: 'signal', event };
    // Typing is news to the others only.
    if (event.type !== 'typing') return this.toJoined(delivery);
    this.members.forEach((waiting, member) => {
      if (!waiting && member.nick !== event.nick) member.deliver(delivery);
    });
  }

  /** `verified`: the room's epoch was just read from the backend, so another epoch is stale. */
  private accept(message: RoomMessage, verified = false): void {
    const position = this.position;
    if (!position) return;
    if (message.epoch !== position.epoch) {
      if (verified) return;
      this.queued = [message];
      void this.backfill();
    } else if (message.offset === position.offset + 1) {
      this.deliver(message);
    } else if (message.offset > position.offset + 1) {
      this.queued = [message];
      void this.backfill();
    }
  }

  private deliver(message: RoomMessage): void {
    this.position = message;
    for (const listener of this.listeners) listener.onMessage(message);
    if (this.members.size === 0) return;
    const delivery: HubDelivery = { kind: 'message', envelope: new MessageEnvelope(message) };
    // forEach, not for…of: iterating a Map's entries allocates an array per member.
    this.members.forEach((waiting, member) => {
      if (waiting) waiting.push(message);
      else member.deliver(delivery);
    });
  }

  private changeEpoch(position: RoomPosition): void {
    this.position = position;
    for (const listener of this.listeners) listener.onEpochChange?.(this.name, position);
    this.members.forEach((waiting, member) => {
      if (waiting) waiting.length = 0;
      else member.deliver({ kind: 'reset', room: this.name, position });
    });
    this.channels.roomEpochChanged(this.name, position);
  }

  /** Reads what follows the last delivered offset (or a new epoch), then drains what queued. */
  private async backfill(): Promise<void> {
    if (this.backfilling) return;
    this.backfilling = true;
    try {
      await this.catchUp();
    } catch {
      // The backend failed mid-read: try again shortly; a reconnect's resync also comes here.
      setTimeout(() => {
        if (this.live && this.queued) void this.backfill();
      }, BACKFILL_RETRY_MS).unref();
      return;
    } finally {
      this.backfilling = false;
    }
    const queued = this.queued ?? [];
    this.queued = undefined;
    for (const [index, message] of queued.entries()) {
      this.accept(message, true);
      // A new gap started another backfill: it queues the rest.
      if (this.queued) return void (this.queued as RoomMessage[]).push(...queued.slice(index + 1));
    }
  }

  private async catchUp(): Promise<void> {
    for (;;) {
      const position = this.position;
      if (!position) return;
      const page = await this.channels.readRoom(this.name, position, BACKFILL_PAGE);
      if (this.position !== position) continue;
      if (page.position.epoch !== position.epoch) {
        this.changeEpoch({ epoch: page.position.epoch, offset: 0 });
        continue;
      }
      for (const message of page.messages) {
        if (message.offset <= this.position.offset) continue;
        if (message.offset !== this.position.offset + 1) this.channels.backfillGap(this.name, this.position.offset + 1, message.offset);
        this.deliver(message);
      }
      if (page.messages.length < BACKFILL_PAGE || page.position.offset <= this.position.offset) return;
    }
  }
}
