import { randomBytes } from 'node:crypto';
import { RoomHub, TokenBucket, type Broker, type MessageDraft, type PublishResult } from '@chat/core';
import type { GatewayConfig } from './config.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics, TransportName } from './metrics.js';

/** A live client connection, whatever its transport, as the node sees it for drain and metrics. */
export interface LiveConnection {
  readonly transport: TransportName;
  /** Ask the client to reconnect elsewhere and close. */
  drain(): void;
}

/** What every transport and route of one node shares. */
export class GatewayContext {
  readonly hub: RoomHub;
  readonly connections = new Set<LiveConnection>();
  private drainingSince: number | undefined;

  constructor(
    readonly config: GatewayConfig,
    readonly logger: Logger,
    readonly broker: Broker,
    readonly metrics: GatewayMetrics,
  ) {
    this.hub = new RoomHub(broker, { nodeId: config.nodeId, firstPageSize: 50, maxResume: config.historySize });
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }

  startDraining(): void {
    this.drainingSince ??= Date.now();
  }

  /** A short random id for a session; its first characters make the default nick. */
  newSessionId(): string {
    return randomBytes(9).toString('base64url');
  }

  defaultNick(sessionId: string): string {
    return `guest-${sessionId.slice(0, 6)}`;
  }

  /** Publishes through the broker and counts what this node stored. */
  readonly publish = async (room: string, draft: MessageDraft): Promise<PublishResult> => {
    const result = await this.broker.publish(room, draft);
    if (!result.duplicate) this.metrics.published += 1;
    return result;
  };

  newSendBucket(): TokenBucket {
    return new TokenBucket(this.config.rateSendsPerSec, this.config.rateSendsBurst);
  }

  track(connection: LiveConnection): () => void {
    this.connections.add(connection);
    this.metrics.connections[connection.transport] += 1;
    let tracked = true;
    return () => {
      if (!tracked) return;
      tracked = false;
      this.connections.delete(connection);
      this.metrics.connections[connection.transport] -= 1;
    };
  }
}
