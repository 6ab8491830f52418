import { decodeMember, encodeMember } from '../message-codec.js';
import type { PresenceMember, PresenceSummary } from '../types.js';
import type { RedisKeys } from './keys.js';
import type { ChatCommands } from './redis-topology.js';
import { PRESENCE_SWEEP } from '../presence-sweep.js';
import { KeyedBatches } from './keyed-batches.js';

export interface RedisPresenceSettings {
  readonly nodeId: string;
  readonly ttlMs: number;
  readonly keys: RedisKeys;
  /** PUBLISH, or SPUBLISH on a cluster. */
  publishCommand(): string;
  /** Runs one Redis call as the broker does (availability check, errors, metrics). */
  call<T>(operation: (commands: ChatCommands) => Promise<T>): Promise<T>;
}

const LIST_ALL = Number.MAX_SAFE_INTEGER;
/** Members one presence-add.lua call adds at most. */
const ADDS_PER_CALL = 200;

const decodeMembers = (members: readonly string[]): PresenceMember[] =>
  members.map(decodeMember).filter((member): member is PresenceMember => member !== undefined);

/**
 * Presence on Redis that costs per room, not per member: this node keeps one hash of its members
 * per room and renews it, with its lease on the room's node set, in one call per room per
 * interval. A node that dies stops renewing; the next node to refresh the room announces its
 * members' leave in one batch. Long-poll members are visits with their own expiry.
 */
export class RedisPresence {
  /** This node's members, per room: what a refresh renews and a reconnect announces again. */
  private readonly local = new Map<string, Map<string, PresenceMember>>();
  private readonly adds = new KeyedBatches<PresenceMember>(async (room, members) => {
    await this.addMembers(room, members);
    return members.map(() => undefined);
  }, ADDS_PER_CALL);

  constructor(private readonly settings: RedisPresenceSettings) {}

  /** Rooms where this node has members. */
  rooms(): string[] {
    return [...this.local.keys()];
  }

  async add(room: string, member: PresenceMember): Promise<void> {
    let members = this.local.get(room);
    if (!members) this.local.set(room, (members = new Map<string, PresenceMember>()));
    members.set(member.id, member);
    await this.announce(room, member);
  }

  async remove(room: string, memberId: string): Promise<void> {
    const members = this.local.get(room);
    members?.delete(memberId);
    if (members?.size === 0) this.local.delete(room);
    // An add still waiting for its batch would otherwise reach Redis after this remove: a ghost.
    this.adds.withdraw(room, (member) => member.id === memberId, undefined);
    const keys = this.settings.keys.room(room);
    await this.settings.call((commands) =>
      commands.chatPresenceRemove(this.ownHash(room), keys.presenceVisits, memberId, keys.channel, this.settings.publishCommand()),
    );
  }

  /** A visit: present for `ttlMs` without a refresh; another visit extends it. */
  async visit(room: string, member: PresenceMember, ttlMs: number): Promise<void> {
    const keys = this.settings.keys.room(room);
    await this.settings.call((commands) =>
      commands.chatPresenceVisit(keys.presenceVisits, keys.presenceVisitData, member.id, Date.now() + ttlMs, encodeMember(member), ttlMs * 2, keys.channel, this.settings.publishCommand()),
    );
  }

  list(room: string): Promise<PresenceMember[]> {
    return this.summary(room, LIST_ALL).then((summary) => [...summary.members]);
  }

  async summary(room: string, limit: number): Promise<PresenceSummary> {
    const keys = this.settings.keys.room(room);
    const [count, members] = await this.settings.call((commands) =>
      commands.chatPresenceSummary(keys.presenceNodes, keys.presenceVisits, keys.presenceVisitData, Date.now(), keys.presenceNodePrefix, limit),
    );
    return { count: Number(count), members: decodeMembers(members) };
  }

  /**
   * Renews this node's lease and hashes and sweeps what expired, one call per room: the rooms with
   * members here, and `watched` rooms (subscribed without members) for the sweep alone. A hash
   * found gone (swept while this node stalled, or lost with Redis's data) is announced again.
   */
  async refresh(watched: Iterable<string>): Promise<void> {
    const rooms = new Set([...this.local.keys(), ...watched]);
    await Promise.all([...rooms].map((room) => this.refreshRoom(room)));
  }

  /** Announces every member of this node again (after a reconnect: Redis may have lost them). */
  async announceAll(): Promise<void> {
    await Promise.all([...this.local].flatMap(([room, members]) => [...members.values()].map((member) => this.announce(room, member))));
  }

  /** A clean stop: this node's members leave every room at once, one batched leave per room. */
  async dropAll(): Promise<void> {
    const rooms = [...this.local.keys()];
    this.local.clear();
    await Promise.allSettled(
      rooms.map((room) => {
        const keys = this.settings.keys.room(room);
        return this.settings.call((commands) =>
          commands.chatPresenceDrop(keys.presenceNodes, this.ownHash(room), this.settings.nodeId, keys.channel, this.settings.publishCommand()),
        );
      }),
    );
  }

  clear(): void {
    this.local.clear();
  }

  private async refreshRoom(room: string): Promise<void> {
    const keys = this.settings.keys.room(room);
    const { ttlMs, nodeId } = this.settings;
    const hasMembers = this.local.has(room);
    const now = Date.now();
    const [, ownMissing] = await this.settings.call((commands) =>
      commands.chatPresenceRefresh(
        keys.presenceNodes,
        keys.presenceVisits,
        keys.presenceVisitData,
        this.ownHash(room),
        now,
        hasMembers ? nodeId : '',
        now + ttlMs,
        ttlMs * 2,
        keys.presenceNodePrefix,
        keys.channel,
        this.settings.publishCommand(),
        PRESENCE_SWEEP.nodes,
        PRESENCE_SWEEP.visits,
      ),
    );
    const members = this.local.get(room);
    if (Number(ownMissing) === 1 && members) await Promise.all([...members.values()].map((member) => this.announce(room, member)));
  }

  private announce(room: string, member: PresenceMember): Promise<void> {
    return this.adds.add(room, member);
  }

  /** One presence-add.lua call for members of one room: the joins of a storm share calls. */
  private addMembers(room: string, members: readonly PresenceMember[]): Promise<number> {
    const keys = this.settings.keys.room(room);
    const { ttlMs, nodeId } = this.settings;
    const pairs = members.flatMap((member) => [member.id, encodeMember(member)]);
    return this.settings.call((commands) =>
      commands.chatPresenceAdd(keys.presenceNodes, this.ownHash(room), nodeId, Date.now() + ttlMs, ttlMs * 2, keys.channel, this.settings.publishCommand(), ...pairs),
    );
  }

  private ownHash(room: string): string {
    return `${this.settings.keys.room(room).presenceNodePrefix}${this.settings.nodeId}`;
  }
}
