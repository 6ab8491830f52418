import type Router from '@koa/router';
import type { Context } from 'koa';

const STREAM_PAUSE_MS = 2000;
const TICK_MS = 1000;
const TICKER_LIFETIME_MS = 10_000;

/**
 * Writes `chunks` to a raw response `pauseMs` apart (the first at once, or after one pause), then
 * ends; stops if the client leaves.
 */
function paced(ctx: Context, headers: Record<string, string>, chunks: string[], pauseMs: number, firstAtOnce: boolean): void {
  ctx.respond = false;
  const response = ctx.res;
  response.writeHead(200, headers);
  response.flushHeaders();
  let index = 0;
  const writeNext = (): void => {
    response.write(chunks[index++]);
    if (index === chunks.length) {
      clearInterval(timer);
      response.end();
    }
  };
  const timer = setInterval(writeNext, pauseMs);
  response.once('close', () => clearInterval(timer));
  if (firstAtOnce) writeNext();
}

/** The seed demos, served exactly as the originals: HTTP streaming and the SSE ticker. */
export function mountSeedRoutes(router: Router, nodeId: string): void {
  router.get('/stream', (ctx) => {
    paced(ctx, { 'Content-Type': 'text/plain', 'X-Node-Id': nodeId, 'X-Accel-Buffering': 'no' }, ['1', '2', '3'], STREAM_PAUSE_MS, true);
  });

  // As the seed: a tick every second from the first second on, and the stream ends at ten.
  router.get('/eventsource', (ctx) => {
    const ticks = Array.from({ length: TICKER_LIFETIME_MS / TICK_MS }, () => 'data: Tick\n\n');
    paced(
      ctx,
      { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache', 'X-Node-Id': nodeId, 'X-Accel-Buffering': 'no' },
      ticks,
      TICK_MS,
      false,
    );
  });
}
