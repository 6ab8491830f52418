import type { Cluster } from 'ioredis';

const SLOTS = 16384;

/**
 * Readiness of a Redis Cluster as this node sees it: every slot has a master and every master
 * answers PING. ioredis keeps a Cluster "ready" while one shard is down, so this is what turns
 * readiness off during a failover and on again once the promoted replica serves the slots.
 */
export class ClusterProbe {
  healthy = false;
  private timer: NodeJS.Timeout | undefined;
  private checking = false;
  private readonly listeners: Array<() => void> = [];

  constructor(
    private readonly cluster: Cluster,
    private readonly intervalMs = 300,
    private readonly timeoutMs = 500,
  ) {}

  start(): void {
    this.timer ??= setInterval(() => void this.check(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  onChange(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Checks now; the verdict is reported through onChange when it flips. */
  async check(): Promise<void> {
    if (this.checking || !this.timer) return;
    this.checking = true;
    let ok: boolean;
    try {
      ok = this.cluster.status === 'ready' && (await this.mastersAnswer());
    } finally {
      this.checking = false;
    }
    if (ok === this.healthy || !this.timer) return;
    this.healthy = ok;
    for (const listener of this.listeners) listener();
  }

  private async mastersAnswer(): Promise<boolean> {
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
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), this.timeoutMs)));
    try {
      return await Promise.race([Promise.all(pings).then(() => true, () => false), timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}
