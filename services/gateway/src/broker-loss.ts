import type { Broker } from '@chat/core';
import type { Logger } from './logger.js';

/** A client connection the node can ask to reconnect elsewhere (WS close 1012, SSE `draining`, …). */
interface Movable {
  drain(): void;
}

export interface BrokerLossOptions {
  /** How long the broker must stay lost before the node reacts (short blips change nothing). */
  readonly graceMs: number;
  /** Clients are moved one by one, each at a random moment within this window. */
  readonly spreadMs: number;
}

/**
 * What a node does when it has lost its broker for longer than a blip, e.g. its link to Redis is
 * cut while its clients still reach it: it takes no new long-lived clients (so a load balancer
 * sends them elsewhere) and asks the ones it has to reconnect elsewhere, spread over a jittered
 * window so they do not stampede the other nodes. Unlike a drain it does not exit: when the
 * broker is back, it takes clients again and stops moving the rest.
 */
export class BrokerLossReaction {
  private graceTimer: NodeJS.Timeout | undefined;
  private readonly moveTimers = new Set<NodeJS.Timeout>();
  private lostSince: number | undefined;
  private active = false;
  private stopped = false;

  constructor(
    private readonly broker: Pick<Broker, 'isConnected' | 'onHealth'>,
    private readonly connections: () => Iterable<Movable>,
    private readonly options: BrokerLossOptions,
    private readonly logger: Logger,
  ) {
    broker.onHealth((event) => {
      if (event.type === 'connected') this.recovered();
      else if (event.type === 'disconnected') this.lost();
    });
    // A node that starts without its broker is in the same position.
    if (!broker.isConnected()) this.lost();
  }

  /** True while the broker has been lost for longer than the grace: new long-lived clients are refused. */
  get refusing(): boolean {
    return this.active;
  }

  /** For a node that drains and exits: its own broker stop is no loss to react to. */
  stop(): void {
    this.stopped = true;
    this.reset();
  }

  private lost(): void {
    if (this.lostSince !== undefined || this.stopped) return;
    this.lostSince = Date.now();
    this.graceTimer = setTimeout(() => this.react(), this.options.graceMs);
    this.graceTimer.unref();
  }

  private react(): void {
    this.graceTimer = undefined;
    if (this.broker.isConnected()) return;
    this.active = true;
    const clients = [...this.connections()];
    this.logger.warn({ lostForMs: Date.now() - (this.lostSince ?? Date.now()), clients: clients.length, spreadMs: this.options.spreadMs }, 'broker lost: refusing new clients and moving these elsewhere');
    for (const client of clients) {
      const timer = setTimeout(() => {
        this.moveTimers.delete(timer);
        client.drain();
      }, Math.random() * this.options.spreadMs);
      timer.unref();
      this.moveTimers.add(timer);
    }
  }

  private recovered(): void {
    if (this.lostSince === undefined) return;
    if (this.active) this.logger.info({ lostForMs: Date.now() - this.lostSince, notMoved: this.moveTimers.size }, 'broker back: taking clients again');
    this.reset();
  }

  /** Takes clients again and stops moving the rest. */
  private reset(): void {
    this.lostSince = undefined;
    this.active = false;
    clearTimeout(this.graceTimer);
    this.graceTimer = undefined;
    for (const timer of this.moveTimers) clearTimeout(timer);
    this.moveTimers.clear();
  }
}
