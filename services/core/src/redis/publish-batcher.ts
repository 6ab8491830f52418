import type { PublishReply } from './scripts.js';

/** One message for publish.lua / publish-many.lua: its room's keys and its own arguments. */
export interface PublishCall {
  readonly keys: readonly [meta: string, log: string, cid: string];
  readonly epochCandidate: string;
  readonly cid: string;
  readonly body: string;
  readonly channel: string;
  readonly author: string;
  /** Which of the room's keys get the room ttl again: publish-core.lua's `renew` (RoomTtlRenewals). */
  readonly renew: string;
}

/** How a batch reaches Redis: one message by publish.lua, several of one group by publish-many.lua. */
export interface PublishSender {
  one(call: PublishCall): Promise<PublishReply>;
  /** One reply or one error per call, in order; rejects only when the whole call failed. */
  many(calls: readonly PublishCall[]): Promise<ReadonlyArray<PublishReply | Error>>;
  /** Calls of one group may share a script call (see RedisConnections.publishGroupOf). */
  groupOf(call: PublishCall): string;
}

interface Pending {
  readonly call: PublishCall;
  readonly resolve: (reply: PublishReply) => void;
  readonly reject: (error: unknown) => void;
}

/** Most messages one script call stores: Redis runs a script alone, so a call must stay short. */
const MAX_PER_CALL = 128;

/**
 * Gathers publishes and sends them as one script call per group: a plain publish.lua command for
 * one message, publish-many.lua for more. A group has at most one call in flight: what arrives
 * meanwhile waits for its answer (one round trip at most) and leaves with the next call, so the
 * busier the node, the more messages a call carries. A publish that finds its group idle waits
 * only for the end of the event-loop turn (setImmediate, when every socket read in this turn has
 * been handled, as ioredis's auto-pipeline waits). Every caller gets its own reply or error.
 */
export class PublishBatcher {
  private arrived: Pending[] = [];
  private scheduled = false;
  private readonly queued = new Map<string, Pending[]>();
  private readonly inFlight = new Set<string>();

  constructor(private readonly sender: PublishSender) {}

  publish(call: PublishCall): Promise<PublishReply> {
    return new Promise<PublishReply>((resolve, reject) => {
      this.arrived.push({ call, resolve, reject });
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }

  private flush(): void {
    this.scheduled = false;
    for (const pending of this.arrived) {
      const group = this.sender.groupOf(pending.call);
      const queue = this.queued.get(group);
      if (queue) queue.push(pending);
      else this.queued.set(group, [pending]);
    }
    this.arrived = [];
    for (const group of this.queued.keys()) if (!this.inFlight.has(group)) this.send(group);
  }

  private send(group: string): void {
    const queue = this.queued.get(group) ?? [];
    const batch = queue.splice(0, MAX_PER_CALL);
    if (queue.length === 0) this.queued.delete(group);
    if (batch.length === 0) return;
    this.inFlight.add(group);
    const done = (): void => {
      this.inFlight.delete(group);
      if (this.queued.has(group)) this.schedule();
    };
    if (batch.length === 1) {
      const [only] = batch as [Pending];
      this.sender.one(only.call).then(only.resolve, only.reject).finally(done);
      return;
    }
    this.sender
      .many(batch.map(({ call }) => call))
      .then(
        (replies) =>
          batch.forEach((pending, index) => {
            const reply = replies[index];
            if (reply === undefined) pending.reject(new Error('publish-many.lua returned fewer replies than messages'));
            else if (reply instanceof Error) pending.reject(reply);
            else pending.resolve(reply);
          }),
        (error: unknown) => {
          for (const pending of batch) pending.reject(error);
        },
      )
      .finally(done);
  }
}
