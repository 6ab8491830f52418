import type { ServerResponse } from 'node:http';
import type { Logger } from '../logger.js';
import type { ClusterView } from './cluster-snapshot.js';
import type { ClusterSnapshot } from './cluster-types.js';

const FEED_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-store, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
} as const;

/**
 * The live feed of /admin: one cluster read per interval while anyone watches, written to every
 * watcher as an SSE `cluster` event (the JSON of GET /admin/api/cluster).
 */
export class AdminFeed {
  private readonly watchers = new Set<ServerResponse>();
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(
    private readonly view: ClusterView,
    private readonly intervalMs: number,
    private readonly logger: Logger,
  ) {}

  watch(response: ServerResponse): void {
    response.writeHead(200, FEED_HEADERS);
    response.write('retry: 2000\n\n');
    this.watchers.add(response);
    response.on('close', () => {
      this.watchers.delete(response);
      if (this.watchers.size === 0) this.pause();
    });
    this.timer ??= setInterval(() => void this.tick(), this.intervalMs);
    void this.tick();
  }

  /** Ends every watcher's stream (drain, stop). */
  stop(): void {
    this.pause();
    for (const response of this.watchers) response.end();
    this.watchers.clear();
  }

  private pause(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private async tick(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    let snapshot: ClusterSnapshot;
    try {
      snapshot = await this.view.snapshot();
    } catch (error) {
      this.logger.debug({ err: error instanceof Error ? error.message : String(error) }, 'admin feed: cluster read failed');
      return;
    } finally {
      this.reading = false;
    }
    const frame = `event: cluster\ndata: ${JSON.stringify(snapshot)}\n\n`;
    for (const response of this.watchers) response.write(frame);
  }
}
