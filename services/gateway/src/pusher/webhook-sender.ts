import type { Logger } from '../logger.js';
import type { PusherApp, WebhookTarget } from './pusher-apps.js';
import type { PusherBackend, WebhookJob } from './pusher-backend.js';
import type { PusherMetrics } from './pusher-metrics.js';
import { webhookSignature } from './signatures.js';

const POLL_MS = 100;
const BATCH = 50;
const POST_TIMEOUT_MS = 5000;
/** A job leased to a node that died is taken again after this. */
const LEASE_MS = POST_TIMEOUT_MS * 2;
const MAX_ATTEMPTS = 12;

/** 1 s, 2 s, 4 s… up to a minute between attempts. */
export function retryDelayMs(attempt: number): number {
  return Math.min(60_000, 1000 * 2 ** attempt);
}

/**
 * Each node's webhook worker: takes due jobs from the app's queue (leased, so each is taken by
 * one node), POSTs them to every receiver as one batch `{time_ms, events}` signed with the app's
 * secret, and settles them: delivered, or retried with backoff for the receiver that failed. A
 * slow receiver holds only this loop, never a connection.
 */
export class WebhookSender {
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    private readonly backend: PusherBackend,
    private readonly apps: readonly PusherApp[],
    private readonly metrics: PusherMetrics,
    private readonly logger: Logger,
  ) {}

  start(): void {
    if (this.apps.every((app) => app.webhooks.length === 0)) return;
    this.timer = setInterval(() => void this.round(), POLL_MS);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  private async round(): Promise<void> {
    if (this.running || !this.backend.isReady()) return;
    this.running = true;
    try {
      for (const app of this.apps) {
        if (app.webhooks.length > 0) await this.sendFor(app);
      }
    } catch (error) {
      this.logger.debug({ err: error instanceof Error ? error.message : String(error) }, 'webhook round failed');
    } finally {
      this.running = false;
    }
  }

  private async sendFor(app: PusherApp): Promise<void> {
    const jobs = await this.backend.takeWebhooks(app, BATCH, LEASE_MS);
    if (jobs.length === 0) return;
    const failed: Array<{ job: WebhookJob; delayMs: number }> = [];
    await Promise.all(
      app.webhooks.map(async (target, index) => {
        const mine = jobs.filter((job) => (job.target === undefined || job.target === index) && wants(target, job));
        if (mine.length === 0) return;
        if (await this.post(app, target, mine)) {
          this.metrics.of(app.id).webhooksSent += mine.length;
          return;
        }
        this.metrics.of(app.id).webhooksFailed += mine.length;
        for (const job of mine) {
          if (job.attempt + 1 >= MAX_ATTEMPTS) this.logger.warn({ app: app.id, url: target.url.origin, event: job.event.name }, 'webhook dropped after its last attempt');
          else failed.push({ job: { ...job, target: index }, delayMs: retryDelayMs(job.attempt) });
        }
      }),
    );
    const retried = new Set(failed.map(({ job }) => job.id));
    await this.backend.settleWebhooks(app, jobs.filter((job) => !retried.has(job.id)), failed);
  }

  private async post(app: PusherApp, target: WebhookTarget, jobs: readonly WebhookJob[]): Promise<boolean> {
    const body = JSON.stringify({ time_ms: Date.now(), events: jobs.map((job) => job.event) });
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-pusher-key': app.key, 'x-pusher-signature': webhookSignature(app, body) },
        body,
        signal: AbortSignal.timeout(POST_TIMEOUT_MS),
      });
      await response.arrayBuffer().catch(() => undefined);
      return response.ok;
    } catch (error) {
      this.logger.debug({ app: app.id, url: target.url.origin, err: error instanceof Error ? error.message : String(error) }, 'webhook not delivered');
      return false;
    }
  }
}

function wants(target: WebhookTarget, job: WebhookJob): boolean {
  return !target.eventTypes || target.eventTypes.some((type) => type === job.event.name);
}
