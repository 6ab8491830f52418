/** One SSE event. `type` and `id` are ours (no CR/LF possible); `data` is JSON on one line. */
export function sseEvent(type: string, data: string, id?: string): string {
  return id === undefined ? `event: ${type}\ndata: ${data}\n\n` : `event: ${type}\nid: ${id}\ndata: ${data}\n\n`;
}

export const SSE_HEADERS = {
  'Content-Type': 'text/event-stream; charset=utf-8',
  'Cache-Control': 'no-cache, no-transform',
  Connection: 'keep-alive',
  'X-Accel-Buffering': 'no',
} as const;
