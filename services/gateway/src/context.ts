import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { RoomActions, RoomHub, TokenBucket, type Broker, type MessageDraft, type PublishResult } from '@chat/core';
import { createAuthenticator, type Authenticator } from './auth/authenticator.js';
import type { Identity } from './auth/identity.js';
import type { GatewayConfig } from './config.js';
import { clientIp, trustedProxies, type TrustedProxies } from './http/client-ip.js';
import type { Logger } from './logger.js';
import type { GatewayMetrics, TransportName } from './metrics.js';

/** A limit of 0 means no limit: one stateless bucket serves every connection. */
const UNLIMITED = new TokenBucket(0, 1);

/** A live client connection, whatever its transport, as the node sees it for drain and metrics. */
export interface LiveConnection {
  readonly transport: TransportName;
  /** Ask the client to reconnect elsewhere and close. */
  drain(): void;
  /** Close at once, for a client that did not leave within the drain timeout. */
  terminate(): void;
}

/** What every transport and route of one node shares. */
export class GatewayContext {
  readonly hub: RoomHub;
  /** Typing, read positions, edit and delete, history pages: for sessions and HTTP routes alike. */
  readonly actions: RoomActions;
  readonly connections = new Set<LiveConnection>();
  private readonly connectionsPerIp = new Map<string, number>();
  private readonly trusted: TrustedProxies;
  private readonly authenticator: Authenticator;
  private drainingSince: number | undefined;
  private refusing: () => boolean = () => false;

  constructor(
    readonly config: GatewayConfig,
    readonly logger: Logger,
    readonly broker: Broker,
    readonly metrics: GatewayMetrics,
  ) {
    this.hub = new RoomHub(broker, { nodeId: config.nodeId, firstPageSize: 50, maxResume: config.historySize, presenceEventsMax: config.presenceEventsMax });
    this.actions = new RoomActions(broker);
    this.trusted = trustedProxies(config.trustedProxies);
    this.authenticator = createAuthenticator(config.auth, (error) => logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'AUTH_JWKS_URL: signing keys could not be fetched'));
  }

  clientIp(request: IncomingMessage): string {
    return clientIp(request, this.trusted);
  }

  /** Whether clients must present a token. */
  get authRequired(): boolean {
    return this.authenticator.required;
  }

  /** The identity a token proves (anonymous without auth); rejects with `unauthorized`. */
  authenticate(token: string | undefined): Promise<Identity> {
    return this.authenticator.identify(token);
  }

  /**
   * Counts a long-lived connection against its client IP; undefined when the IP is at
   * MAX_CONNECTIONS_PER_IP. The returned function releases it. (Transports go through admit().)
   */
  takeConnectionSlot(ip: string): (() => void) | undefined {
    const limit = this.config.maxConnectionsPerIp;
    const count = this.connectionsPerIp.get(ip) ?? 0;
    if (limit > 0 && count >= limit) {
      this.metrics.limitViolation('connections_per_ip');
      return undefined;
    }
    this.connectionsPerIp.set(ip, count + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const left = (this.connectionsPerIp.get(ip) ?? 1) - 1;
      if (left <= 0) this.connectionsPerIp.delete(ip);
      else this.connectionsPerIp.set(ip, left);
    };
  }

  /** Refuse new long-lived clients while `check()` says so (a node that lost its broker). */
  refuseNewClientsWhile(check: () => boolean): void {
    this.refusing = check;
  }

  get refusingNewClients(): boolean {
    return this.refusing();
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
    return this.config.rateSendsPerSec > 0 ? new TokenBucket(this.config.rateSendsPerSec, this.config.rateSendsBurst) : UNLIMITED;
  }

  /** For an authenticated user: the send limit shared by all their connections on every node. */
  sharedSendLimit(identity: Identity): (() => Promise<number>) | undefined {
    const { rateSendsPerSec, rateSendsBurst } = this.config;
    if (identity.user === undefined || rateSendsPerSec <= 0) return undefined;
    const key = `sends:${identity.user}`;
    return () => this.broker.consumeRate(key, rateSendsPerSec, rateSendsBurst);
  }

  newJoinBucket(): TokenBucket {
    return this.config.rateJoinsPerSec > 0 ? new TokenBucket(this.config.rateJoinsPerSec, this.config.rateJoinsBurst) : UNLIMITED;
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
