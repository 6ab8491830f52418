import type { ServerResponse } from 'node:http';

/** One timer for every event stream: its format's keep-alive keeps proxies and clients from timing out. */
export class StreamHeartbeat {
  private readonly streams = new Map<ServerResponse, string>();
  private readonly timer: NodeJS.Timeout;

  constructor(intervalMs: number) {
    this.timer = setInterval(() => {
      for (const [response, chunk] of this.streams) response.write(chunk);
    }, intervalMs);
    this.timer.unref();
  }

  add(response: ServerResponse, chunk: string): () => void {
    this.streams.set(response, chunk);
    return () => this.streams.delete(response);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
