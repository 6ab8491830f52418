import type { OccupancyEvent } from '@chat/protocol';
import type { PresenceEvent, PresenceMember, PresenceSummary } from '../types.js';

/** How often at most a big room tells its members its member count. */
export const OCCUPANCY_INTERVAL_MS = 2000;

/**
 * A room's members as this node sees them (presence entries by id, distinct nicks counted; in a
 * room too big to list, the entries counted by join and leave events instead), and
 * for a room with more than `eventsMax` members, an `occupancy` count sent at most every 2 s
 * instead of one presence event per join and leave.
 */
export class RoomOccupancy {
  private readonly members = new Map<string, string>();
  private readonly nicks = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastSentAt = 0;
  /** Set when the room was too big to list: its entries, counted rather than known. */
  private counted: number | undefined;
  /** The read last started from: joins that share one read start over only once. */
  private lastSummary: PresenceSummary | undefined;

  constructor(
    private readonly room: string,
    private readonly eventsMax: number,
    private readonly send: (event: OccupancyEvent) => void,
  ) {}

  /** Distinct members present. */
  get count(): number {
    return this.counted ?? this.nicks.size;
  }

  /** Whether presence events are replaced by occupancy counts. */
  get big(): boolean {
    return this.count > this.eventsMax;
  }

  /** Starts over from what a join read: every member, or (a big room) a count and some of them. */
  reset(summary: PresenceSummary): void {
    if (summary === this.lastSummary) return;
    this.lastSummary = summary;
    const { count, members } = summary;
    this.members.clear();
    this.nicks.clear();
    this.counted = members.length < count ? count : undefined;
    if (this.counted === undefined) for (const member of members) this.add(member);
  }

  /** Applies a join or leave; returns whether members should still see it as a presence event. */
  apply(event: PresenceEvent): boolean {
    const wasBig = this.big;
    if (this.counted !== undefined) this.counted = Math.max(0, this.counted + (event.event === 'join' ? 1 : -1));
    else if (event.event === 'join') this.add(event.member);
    else this.remove(event.member.id);
    if (!wasBig && !this.big) return true;
    this.schedule();
    return false;
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastSentAt + OCCUPANCY_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastSentAt = Date.now();
      this.send({ type: 'occupancy', room: this.room, count: this.count });
    }, wait);
    this.timer.unref?.();
  }

  private add(member: PresenceMember): void {
    if (this.members.get(member.id) === member.nick) return;
    if (this.members.has(member.id)) this.remove(member.id);
    this.members.set(member.id, member.nick);
    this.nicks.set(member.nick, (this.nicks.get(member.nick) ?? 0) + 1);
  }

  private remove(id: string): void {
    const nick = this.members.get(id);
    if (nick === undefined) return;
    this.members.delete(id);
    const left = (this.nicks.get(nick) ?? 1) - 1;
    if (left <= 0) this.nicks.delete(nick);
    else this.nicks.set(nick, left);
  }
}
