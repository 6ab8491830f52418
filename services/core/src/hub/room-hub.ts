import type { Broker } from '../broker.js';
import { ChatError, PRESENCE_LIST_MAX, type JoinedEvent } from '@chat/protocol';
import type { SignalPayload } from '../message-codec.js';
import type { RoomTraffic } from '../room-channels.js';
import type { HistoryPage, RoomMessage, PresenceEvent, PresenceMember, ReadState, RoomListener, RoomPosition } from '../types.js';
import { FreshRead } from './fresh-read.js';
import type { HubMember } from './hub-member.js';
import { joinPresence, type JoinPresence } from './join-presence.js';
import { MessageEnvelope } from './message-envelope.js';
import { Room } from './room.js';

export interface RoomHubOptions {
  readonly nodeId: string;
  /** Messages in `joined` when the client gives no `since`. */
  readonly firstPageSize: number;
  /** Most messages a resume may return (the history size). */
  readonly maxResume: number;
  /** Above this many members a room sends `occupancy` counts instead of presence events. */
  readonly presenceEventsMax?: number;
}

export interface JoinOptions {
  readonly since?: RoomPosition;
  /** Announce the member in the room's presence (and remove it on leave). */
  readonly announce: boolean;
  /** Whose read position `joined` reports (token sub, else nick); none: read 0. */
  readonly reader?: string;
}

/** `read` and `unread` of a `joined`: a position read in another epoch counts as none. */
function readCounts(state: ReadState | undefined, epoch: string): { read: number; unread: number } {
  if (!state) return { read: 0, unread: 0 };
  return state.epoch === epoch ? { read: state.read, unread: state.unread } : { read: 0, unread: 0 };
}

const leftWhileJoining = (): ChatError => new ChatError('not_joined', 'left the room while joining');

/**
 * The rooms of this node, one `Room` each while it has local members or listeners: the broker's
 * room traffic goes to them. A join is gap-free: live messages that arrive while the member's
 * history is read wait and follow it, without duplicates.
 */
export class RoomHub implements RoomTraffic {
  private readonly rooms = new Map<string, Room>();

  constructor(
    private readonly broker: Broker,
    private readonly options: RoomHubOptions,
  ) {
    broker.attach(this);
  }

  liveRooms(): readonly string[] {
    return [...this.rooms.values()].filter((room) => room.live).map((room) => room.name);
  }

  receive(message: RoomMessage): void {
    this.rooms.get(message.room)?.receive(message);
  }

  receivePresence(event: PresenceEvent): void {
    this.rooms.get(event.room)?.receivePresence(event);
  }

  receiveSignal({ room, signal }: SignalPayload): void {
    this.rooms.get(room)?.receiveSignal(signal);
  }

  async resync(): Promise<void> {
    const live = [...this.rooms.values()].filter((room) => room.live);
    if (live.length === 0) return;
    await this.broker.subscribeChannels(live.map((room) => room.name));
    await Promise.all(live.map((room) => room.resync()));
  }

  /**
   * Adds an in-process listener of a room's live traffic (no history, no presence of its own).
   * Resolves with the position after which it receives every message in order, each once.
   */
  async listen(room: string, listener: RoomListener): Promise<RoomPosition> {
    const local = this.room(room);
    local.listeners.add(listener);
    try {
      return await local.open();
    } catch (error) {
      local.listeners.delete(listener);
      await local.close().catch(() => undefined);
      throw error;
    }
  }

  async unlisten(room: string, listener: RoomListener): Promise<void> {
    const local = this.rooms.get(room);
    if (local?.listeners.delete(listener)) await local.close();
  }

  /** Members a join reads: every one of a room small enough for presence events, else a page. */
  private get presenceReadLimit(): number {
    const eventsMax = this.options.presenceEventsMax ?? Number.POSITIVE_INFINITY;
    return Number.isFinite(eventsMax) ? Math.max(eventsMax, PRESENCE_LIST_MAX) : Number.MAX_SAFE_INTEGER;
  }

  memberCount(room: string): number {
    return this.rooms.get(room)?.members.size ?? 0;
  }

  /** Joins `member` to `room`; it receives `joined`, then every later message in order. */
  async join(room: string, member: HubMember, options: JoinOptions): Promise<JoinedEvent> {
    if (this.rooms.get(room)?.members.has(member)) await this.leave(room, member);
    const local = this.room(room);
    const pending: RoomMessage[] = [];
    local.members.set(member, pending);
    try {
      await local.open();
      if (local.members.get(member) !== pending) throw leftWhileJoining();
      const since = options.since;
      // Marked before the announce is sent, so a rename racing the join re-announces the new nick.
      if (options.announce) local.announced.add(member);
      const reader = options.reader;
      const presence = this.presenceOf(local);
      const [page, { summary, entries }, read] = await Promise.all([
        since ? this.broker.history(room, { after: since.offset, limit: this.options.maxResume }) : this.firstPageOf(local).read(),
        options.announce ? this.broker.presenceAdd(room, this.presenceMember(member)).then(() => presence.read()) : presence.read(),
        reader === undefined ? undefined : this.broker.readState(room, reader),
      ]);
      if (local.members.get(member) !== pending) throw leftWhileJoining();
      local.occupancy.reset(summary);
      const resumable = since !== undefined && since.epoch === page.epoch && since.offset <= page.offset;
      // A first page (no since, or one history no longer reaches) is folded and ends at the head.
      const first = since && !resumable ? await this.firstPageOf(local).read() : since ? undefined : page;
      const messages = first ? first.messages : page.messages;
      const last = messages.at(-1);
      const recovered = !since || (resumable && (messages.length === 0 ? since.offset === page.offset : messages[0]?.offset === since.offset + 1));
      const event: JoinedEvent = {
        type: 'joined',
        room,
        epoch: page.epoch,
        offset: first ? first.offset : last ? last.offset : page.offset,
        recovered,
        messages,
        presence: entries,
        ...readCounts(read, page.epoch),
        occupancy: local.occupancy.count,
      };
      member.deliver({ kind: 'joined', event });
      local.members.set(member, undefined);
      let position = event.offset;
      for (const message of pending) {
        if (message.epoch !== event.epoch || message.offset <= position) continue;
        position = message.offset;
        member.deliver({ kind: 'message', envelope: new MessageEnvelope(message) });
      }
      return event;
    } catch (error) {
      if (local.members.get(member) === pending) await this.leave(room, member);
      throw error;
    }
  }

  /** Removes `member` from `room`; the last local member unsubscribes the node from the room. */
  async leave(room: string, member: HubMember): Promise<void> {
    const local = this.rooms.get(room);
    if (!local?.members.delete(member)) return;
    const tasks: Array<Promise<unknown>> = [local.close()];
    if (local.announced.delete(member)) tasks.push(this.broker.presenceRemove(room, this.presenceId(member)));
    await Promise.allSettled(tasks);
  }

  /** Re-announces a member after its nick changed. */
  async renamed(member: HubMember, rooms: Iterable<string>): Promise<void> {
    await Promise.allSettled(
      [...rooms]
        .filter((room) => this.rooms.get(room)?.announced.has(member))
        .map(async (room) => {
          await this.broker.presenceRemove(room, this.presenceId(member));
          await this.broker.presenceAdd(room, this.presenceMember(member));
        }),
    );
  }

  private room(name: string): Room {
    let room = this.rooms.get(name);
    if (!room) {
      room = new Room(name, this.broker, this.options.presenceEventsMax ?? Number.POSITIVE_INFINITY, (emptied) => {
        if (this.rooms.get(name) === emptied) this.rooms.delete(name);
      });
      this.rooms.set(name, room);
    }
    return room;
  }

  /** The newest page of history, as joins without a position read it: shared like the member list. */
  private firstPageOf(local: Room): FreshRead<HistoryPage> {
    return (local.firstPageRead ??= new FreshRead(() => this.broker.historyPage(local.name, { limit: this.options.firstPageSize })));
  }

  /** The room's member list as joins read it: shared by the joins of one moment (see FreshRead). */
  private presenceOf(local: Room): FreshRead<JoinPresence> {
    return (local.presenceRead ??= new FreshRead(async () => {
      return joinPresence(await this.broker.presenceSummary(local.name, this.presenceReadLimit));
    }));
  }

  private presenceMember(member: HubMember): PresenceMember {
    const entry = { id: this.presenceId(member), nick: member.nick, node: this.options.nodeId };
    return member.user === undefined ? entry : { ...entry, user: member.user };
  }

  private presenceId(member: HubMember): string {
    return `${this.options.nodeId}:${member.id}`;
  }
}
