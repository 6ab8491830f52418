import type { ChatMessage, JoinedEvent, RoomPosition } from '@chat/protocol';

/** A reconnection, from the moment the old connection was lost to the next `joined` of every room. */
export interface Reconnect {
  readonly from: string | undefined;
  readonly to: string | undefined;
  readonly ms: number;
}

/**
 * What one client saw, transport-independent: every message in arrival order (backfill included),
 * every `joined`, and the position it would resume from.
 */
export class MessageLog {
  readonly messages: ChatMessage[] = [];
  readonly joins: Array<JoinedEvent & { readonly at: number; readonly node: string | undefined }> = [];
  readonly positions = new Map<string, RoomPosition>();
  private waiters: Array<() => void> = [];

  /** Records a `joined`: its backfill counts as received, its position replaces ours. */
  joined(event: JoinedEvent, node: string | undefined): void {
    this.joins.push({ ...event, at: Date.now(), node });
    for (const message of event.messages) this.messages.push(message);
    this.positions.set(event.room, { epoch: event.epoch, offset: event.offset });
    this.wake();
  }

  message(event: ChatMessage): void {
    this.messages.push(event);
    const position = this.positions.get(event.room);
    if (!position || position.epoch !== event.epoch || event.offset > position.offset) {
      this.positions.set(event.room, { epoch: event.epoch, offset: event.offset });
    }
    this.wake();
  }

  /** Resolves when `predicate` holds, re-checked on every event. */
  async waitFor(predicate: () => boolean, what: string, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!predicate()) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 250));
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** True when every (room, epoch, offset) of `acks` was received. */
  hasAll(acks: ReadonlyArray<{ room: string; epoch: string; offset: number }>): boolean {
    const seen = new Set(this.messages.map((message) => `${message.room}|${message.epoch}|${message.offset}`));
    return acks.every((ack) => seen.has(`${ack.room}|${ack.epoch}|${ack.offset}`));
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}
