import { KeyedBatches } from './keyed-batches.js';
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

/** Most messages one script call stores: Redis runs a script alone, so a call must stay short. */
const MAX_PER_CALL = 128;

/**
 * Gathers publishes and sends them as one script call per group (KeyedBatches: a turn's
 * publishes together, one call in flight per group): a plain publish.lua command for one
 * message, publish-many.lua for more. Every caller gets its own reply or error.
 */
export class PublishBatcher {
  private readonly batches: KeyedBatches<PublishCall, PublishReply>;

  constructor(private readonly sender: PublishSender) {
    this.batches = new KeyedBatches((_group, calls) => {
      const [only] = calls;
      return calls.length === 1 && only ? sender.one(only).then((reply) => [reply]) : sender.many(calls);
    }, MAX_PER_CALL);
  }

  publish(call: PublishCall): Promise<PublishReply> {
    return this.batches.add(this.sender.groupOf(call), call);
  }
}
