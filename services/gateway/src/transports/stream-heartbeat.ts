import type { ServerResponse } from 'node:http';

/** One timer for every SSE stream: a comment line keeps proxies and browsers from timing out. */
export class StreamHeartbeat {
  private readonly streams = new Set<ServerResponse>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.timer = setInterval(() => {
      for (const response of this.streams) response.write(': hb\n\n');
    }, intervalMs);
    this.timer.unref();
  }

  add(response: ServerResponse): () => void {
    this.streams.add(response);
    return () => this.streams.delete(response);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
