import type { PresenceMember } from './types.js';

/**
 * The presence entries this node owns. The broker refreshes them on one timer for all entries,
 * so a node that dies stops refreshing and its entries expire everywhere.
 */
export class LocalPresence {
  private readonly byRoom = new Map<string, Map<string, PresenceMember>>();
  private timer: NodeJS.Timeout | undefined;

  add(room: string, member: PresenceMember): void {
    let members = this.byRoom.get(room);
    if (!members) this.byRoom.set(room, (members = new Map<string, PresenceMember>()));
    members.set(member.id, member);
  }

  remove(room: string, memberId: string): boolean {
    const members = this.byRoom.get(room);
    const removed = members?.delete(memberId) ?? false;
    if (members?.size === 0) this.byRoom.delete(room);
    return removed;
  }

  entries(): Array<[room: string, member: PresenceMember]> {
    const all: Array<[string, PresenceMember]> = [];
    for (const [room, members] of this.byRoom) for (const member of members.values()) all.push([room, member]);
    return all;
  }

  rooms(): string[] {
    return [...this.byRoom.keys()];
  }

  /** Calls `tick` every `intervalMs` until stopped; a failing tick is retried on the next one. */
  startHeartbeat(intervalMs: number, tick: () => Promise<void>): void {
    this.stopHeartbeat();
    let running = false;
    this.timer = setInterval(() => {
      if (running) return;
      running = true;
      tick()
        .catch(() => undefined)
        .finally(() => (running = false));
    }, intervalMs);
    this.timer.unref();
  }

  stopHeartbeat(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  clear(): void {
    this.byRoom.clear();
  }
}
