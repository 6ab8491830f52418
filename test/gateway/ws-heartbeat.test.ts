import { STREAM_HEARTBEAT } from '@chat/protocol';
import { textOf } from '@chat/testkit';
import { WebSocket } from 'ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNode, type TestNode } from './helpers/gateway-nodes.js';
import { Resources } from './helpers/resources.js';

const HEARTBEAT_MS = 250;
const resources = new Resources();
let node: TestNode;

beforeAll(async () => {
  node = await startNode('heartbeat', undefined, { WS_HEARTBEAT_MS: String(HEARTBEAT_MS) });
  resources.track({ close: () => node.drain() });
});
afterAll(() => resources.closeAll());

/** Opens `/ws` and resolves once the socket is open; `autoPong: false` makes a peer that never answers pings. */
async function open(autoPong: boolean): Promise<WebSocket> {
  const ws = new WebSocket(`${node.ws}/ws`, { perMessageDeflate: false, autoPong });
  resources.track({ close: () => ws.terminate() });
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  return ws;
}

describe('WebSocket heartbeat (one timer per node)', () => {
  it('drops a peer that stops answering pings and keeps the one that answers', async () => {
    const live = await open(true);
    const dead = await open(false);
    let pings = 0;
    live.on('ping', () => (pings += 1));
    const closed = new Promise<number>((resolve) => dead.once('close', (code) => resolve(code)));
    // The server closes without a close frame (terminate), so the client sees 1006.
    expect(await closed).toBe(1006);
    // The dead peer needed a ping it did not answer and a second round to be dropped: the live one got both and stayed.
    expect(pings).toBeGreaterThanOrEqual(2);
    expect(live.readyState).toBe(WebSocket.OPEN);
  });

  it('announces its interval in welcome and sends a heartbeat frame the page can see, on /ws only', async () => {
    const json = new WebSocket(`${node.ws}/ws`, { perMessageDeflate: false });
    resources.track({ close: () => json.terminate() });
    const texts: string[] = [];
    json.on('message', (data) => texts.push(textOf(data)));
    const line = new WebSocket(`${node.ws}/ws/line`, { perMessageDeflate: false });
    resources.track({ close: () => line.terminate() });
    const lines: string[] = [];
    let linePings = 0;
    line.on('message', (data) => lines.push(textOf(data)));
    line.on('ping', () => (linePings += 1));
    await new Promise<void>((resolve) => {
      json.on('message', () => texts.filter((text) => text === STREAM_HEARTBEAT).length >= 2 && resolve());
    });
    expect(JSON.parse(texts[0] ?? '{}')).toMatchObject({ type: 'welcome', heartbeatMs: HEARTBEAT_MS });
    // The line protocol has no such frame: its clients only get pings.
    expect(linePings).toBeGreaterThanOrEqual(1);
    expect(lines.filter((text) => text.includes('heartbeat'))).toEqual([]);
  });

  it('a node whose event loop stalled does not drop peers whose pongs wait unread', async () => {
    const live = await open(true);
    let pings = 0;
    let pingsAfterStall = (): void => undefined;
    live.on('ping', () => {
      pings += 1;
      pingsAfterStall();
    });
    await new Promise<void>((resolve) => live.once('ping', () => resolve()));
    // The node runs in this process: a busy loop longer than two intervals stalls it as a flood of work would.
    const until = Date.now() + HEARTBEAT_MS * 3;
    while (Date.now() < until) {
      // stalled
    }
    const seen = pings;
    // Two rounds after the stall, or the close that the old behaviour caused.
    await new Promise<void>((resolve) => {
      pingsAfterStall = () => {
        if (pings >= seen + 2) resolve();
      };
      live.once('close', () => resolve());
    });
    expect(live.readyState).toBe(WebSocket.OPEN);
  });
});
