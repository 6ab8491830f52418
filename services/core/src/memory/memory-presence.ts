import type { PresenceEvent, PresenceMember, PresenceSummary } from '../types.js';
import { PRESENCE_SWEEP } from '../presence-sweep.js';

interface NodeMembers {
  leaseUntil: number;
  readonly members: Map<string, PresenceMember>;
}

interface RoomPresence {
  readonly nodes: Map<string, NodeMembers>;
  readonly visits: Map<string, { member: PresenceMember; expiresAt: number }>;
}


/**
 * The in-process twin of RedisPresence's keys and scripts: per room, each node's members under
 * its lease, and visits with their own expiry. `announce` carries joins and leaves to the room.
 */
export class MemoryPresenceTable {
  private readonly rooms = new Map<string, RoomPresence>();

  constructor(private readonly announce: (room: string, events: PresenceEvent[]) => void) {}

  add(room: string, nodeId: string, member: PresenceMember, leaseUntil: number): void {
    const node = this.node(room, nodeId, leaseUntil);
    const existed = node.members.has(member.id);
    node.members.set(member.id, member);
    node.leaseUntil = leaseUntil;
    if (!existed) this.announce(room, [{ room, event: 'join', member }]);
  }

  remove(room: string, nodeId: string, memberId: string): void {
    const presence = this.rooms.get(room);
    const node = presence?.nodes.get(nodeId);
    const member = node?.members.get(memberId);
    if (!presence || !node || !member) return;
    node.members.delete(memberId);
    if (node.members.size === 0) presence.nodes.delete(nodeId);
    this.forgetIfEmpty(room, presence);
    this.announce(room, [{ room, event: 'leave', member }]);
  }

  visit(room: string, member: PresenceMember, expiresAt: number): void {
    const presence = this.presence(room);
    const existed = presence.visits.has(member.id);
    presence.visits.set(member.id, { member, expiresAt });
    if (!existed) this.announce(room, [{ room, event: 'join', member }]);
  }

  /** Renews `nodeId`'s lease (when it has members here) and sweeps what expired; true when its members were gone. */
  refresh(room: string, nodeId: string | undefined, leaseUntil: number, now: number): boolean {
    const presence = this.rooms.get(room);
    let ownMissing = nodeId !== undefined;
    const left: PresenceEvent[] = [];
    if (presence) {
      const own = nodeId === undefined ? undefined : presence.nodes.get(nodeId);
      if (own) {
        own.leaseUntil = leaseUntil;
        ownMissing = false;
      }
      let nodes = 0;
      for (const [id, node] of presence.nodes) {
        if (node.leaseUntil > now || nodes >= PRESENCE_SWEEP.nodes) continue;
        nodes += 1;
        presence.nodes.delete(id);
        for (const member of node.members.values()) left.push({ room, event: 'leave', member });
      }
      let visits = 0;
      for (const [id, visit] of presence.visits) {
        if (visit.expiresAt > now || visits >= PRESENCE_SWEEP.visits) continue;
        visits += 1;
        presence.visits.delete(id);
        left.push({ room, event: 'leave', member: visit.member });
      }
      this.forgetIfEmpty(room, presence);
    }
    if (left.length > 0) this.announce(room, left);
    return ownMissing;
  }

  /** A node leaves every room at once (a clean stop). */
  drop(nodeId: string): void {
    for (const [room, presence] of this.rooms) {
      const node = presence.nodes.get(nodeId);
      if (!node) continue;
      presence.nodes.delete(nodeId);
      this.forgetIfEmpty(room, presence);
      this.announce(room, [...node.members.values()].map((member) => ({ room, event: 'leave' as const, member })));
    }
  }

  summary(room: string, now: number, limit: number): PresenceSummary {
    const presence = this.rooms.get(room);
    if (!presence) return { count: 0, members: [] };
    let count = 0;
    const members: PresenceMember[] = [];
    const take = (member: PresenceMember): void => {
      count += 1;
      if (members.length < limit) members.push(member);
    };
    for (const node of presence.nodes.values()) if (node.leaseUntil > now) for (const member of node.members.values()) take(member);
    for (const visit of presence.visits.values()) if (visit.expiresAt > now) take(visit.member);
    return { count, members };
  }

  clear(): void {
    this.rooms.clear();
  }

  hasRoom(room: string): boolean {
    return this.rooms.has(room);
  }

  private presence(room: string): RoomPresence {
    let presence = this.rooms.get(room);
    if (!presence) this.rooms.set(room, (presence = { nodes: new Map(), visits: new Map() }));
    return presence;
  }

  private node(room: string, nodeId: string, leaseUntil: number): NodeMembers {
    const presence = this.presence(room);
    let node = presence.nodes.get(nodeId);
    if (!node) presence.nodes.set(nodeId, (node = { leaseUntil, members: new Map() }));
    return node;
  }

  private forgetIfEmpty(room: string, presence: RoomPresence): void {
    if (presence.nodes.size === 0 && presence.visits.size === 0) this.rooms.delete(room);
  }
}
