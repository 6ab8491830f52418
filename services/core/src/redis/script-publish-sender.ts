import type { PublishCall, PublishSender } from './publish-batcher.js';
import type { ChatCommands } from './redis-topology.js';
import { roomArguments, type PublishReply } from './scripts.js';

export interface PublishSettings {
  readonly roomTtlMs: number;
  readonly historySize: number;
  readonly idempotencyWindow: number;
  /** PUBLISH or SPUBLISH (read at each call: the topology decides). */
  publishCommand(): string;
  groupOf(roomChannel: string): string;
}

/** Sends a PublishBatcher's calls as publish.lua (one message) or publish-many.lua (several). */
export class ScriptPublishSender implements PublishSender {
  constructor(
    private readonly commands: () => ChatCommands,
    private readonly settings: PublishSettings,
  ) {}

  one(call: PublishCall): Promise<PublishReply> {
    const { roomTtlMs, historySize, idempotencyWindow } = this.settings;
    return this.commands().chatPublish(
      ...call.keys,
      ...roomArguments(call.epochCandidate, roomTtlMs, true),
      historySize,
      call.cid,
      call.body,
      call.channel,
      idempotencyWindow,
      this.settings.publishCommand(),
      call.author,
      call.renew,
    );
  }

  many(calls: readonly PublishCall[]): Promise<ReadonlyArray<PublishReply | Error>> {
    const { roomTtlMs, historySize, idempotencyWindow } = this.settings;
    const keys = calls.flatMap((call) => call.keys);
    const perMessage = calls.flatMap((call) => [call.epochCandidate, call.cid, call.body, call.channel, call.author, call.renew]);
    return this.commands().chatPublishMany(
      keys.length,
      ...keys,
      ...roomArguments('', roomTtlMs, true),
      historySize,
      idempotencyWindow,
      this.settings.publishCommand(),
      ...perMessage,
    );
  }

  groupOf(call: PublishCall): string {
    return this.settings.groupOf(call.channel);
  }
}
