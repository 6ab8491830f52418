import type { WebhookEvent, WebhookJob } from './pusher-backend.js';

/** A job as queued (`{i, a, e, t?}`); `raw` is how the queue names it. */
export function parseJob(raw: string): WebhookJob | undefined {
  try {
    const value = JSON.parse(raw) as { i?: unknown; a?: unknown; e?: unknown; t?: unknown };
    if (typeof value.e !== 'object' || value.e === null || typeof (value.e as { name?: unknown }).name !== 'string') return undefined;
    const job = { id: raw, event: value.e as WebhookEvent, attempt: typeof value.a === 'number' ? value.a : 0 };
    return typeof value.t === 'number' ? { ...job, target: value.t } : job;
  } catch {
    return undefined;
  }
}

/** The queued form of a job's next attempt (keeping its sequence number `i`). */
export function nextAttempt(job: WebhookJob): string {
  const sequence = (JSON.parse(job.id) as { i?: unknown }).i;
  return JSON.stringify({ i: sequence, a: job.attempt + 1, e: job.event, ...(job.target === undefined ? {} : { t: job.target }) });
}
