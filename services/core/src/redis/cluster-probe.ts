import type { Cluster } from 'ioredis';
import { LoopStallClock } from './loop-stall-clock.js';

const SLOTS = 16384;

/**
 * Readiness of a Redis Cluster as this node sees it: every slot has a master and every master
 * answers PING. ioredis keeps a Cluster "ready" while one shard is down, so this is what turns
 * readiness off during a failover and on again once the promoted replica serves the slots, and
 * off while this node is cut from a shard. A PING that times out while the event loop was stalled
 * gives no verdict (a busy node is not a cut one): only responsive time counts (LoopStallClock).
 */
export class ClusterProbe {
  healthy = false;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private readonly listeners: Array<() => void> = [];
  private readonly clock = new LoopStallClock();

  constructor(
    private readonly cluster: Cluster,
    private readonly intervalMs = 300,
    private readonly timeoutMs = 500,
  ) {}

  start(): void {
    this.clock.start();
    this.timer ??= setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.clock.stop();
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Checks now; the verdict is reported through onChange when it flips. */
  async check(): Promise<void> {
    if (this.checking || !this.timer) return;
    this.checking = true;
    let ok: boolean | undefined;
    try {
      ok = this.cluster.status === 'ready' && (await this.mastersAnswer());
    } finally {
      this.checking = false;
    }
    if (ok === undefined || ok === this.healthy || !this.timer) return;
    this.healthy = ok;
    for (const listener of this.listeners) listener();
  }

  /** True when every master answered; undefined when the wait is no verdict (the loop was stalled). */
  private async mastersAnswer(): Promise<boolean | undefined> {
    const owners = new Set<string>();
    for (let slot = 0; slot < SLOTS; slot++) {
      const owner = this.cluster.slots[slot]?.[0];
      if (!owner) return false;
      owners.add(owner);
    }
    const masters = new Map(this.cluster.nodes('master').map((node) => [`${node.options.host}:${node.options.port}`, node]));
    const pings: Array<Promise<unknown>> = [];
    for (const owner of owners) {
      const node = masters.get(owner);
      if (!node) {
        // Its connection ended: ask the cluster who owns the slots now.
        this.cluster.refreshSlotsCache();
        return false;
      }
      pings.push(node.ping());
    }
    const sent = this.clock.mark();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.timeoutMs)));
    try {
      const answer = await Promise.race([Promise.all(pings).then(() => true, () => false), timeout]);
      if (answer !== 'timeout') return answer;
      return this.clock.responsiveSince(sent) >= this.timeoutMs ? false : undefined;
    } finally {
      clearTimeout(timer);
    }
  }
}
