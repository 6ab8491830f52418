import type { PublishReply } from './scripts.js';

/** One message for publish.lua / publish-many.lua: its room's keys and its own arguments. */
export interface PublishCall {
  readonly keys: readonly [meta: string, log: string, cid: string];
  readonly epochCandidate: string;
  readonly cid: string;
  readonly body: string;
  readonly channel: string;
  readonly author: string;
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

/**
 * Gathers the publishes of one event-loop turn (until setImmediate, when every socket read in
 * this turn has been handled, as ioredis's auto-pipeline waits) and sends them as one script call
 * per group: a plain publish.lua command when the turn holds one, publish-many.lua for more.
 * Every caller gets its own reply or error.
 */
export class PublishBatcher {
  private pending: Pending[] = [];
  private scheduled = false;

  constructor(private readonly sender: PublishSender) {}

  publish(call: PublishCall): Promise<PublishReply> {
    return new Promise<PublishReply>((resolve, reject) => {
      this.pending.push({ call, resolve, reject });
      if (this.scheduled) return;
      this.scheduled = true;
      setImmediate(() => this.flush());
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batch = this.pending;
    this.pending = [];
    if (batch.length === 1) this.send(batch);
    else for (const group of this.groups(batch)) this.send(group);
  }

  private groups(batch: readonly Pending[]): Iterable<Pending[]> {
    const groups = new Map<string, Pending[]>();
    for (const pending of batch) {
      const key = this.sender.groupOf(pending.call);
      const group = groups.get(key);
      if (group) group.push(pending);
      else groups.set(key, [pending]);
    }
    return groups.values();
  }

  private send(group: readonly Pending[]): void {
    if (group.length === 1) {
      const [only] = group as [Pending];
      this.sender.one(only.call).then(only.resolve, only.reject);
      return;
    }
    this.sender.many(group.map(({ call }) => call)).then(
      (replies) =>
        group.forEach((pending, index) => {
          const reply = replies[index];
          if (reply === undefined) pending.reject(new Error('publish-many.lua returned fewer replies than messages'));
          else if (reply instanceof Error) pending.reject(reply);
          else pending.resolve(reply);
        }),
      (error: unknown) => {
        for (const pending of group) pending.reject(error);
      },
    );
  }
}
