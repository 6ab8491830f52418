import { ChatClient, type ChatMessage, type ConnectionStatus, type TransportName } from '@chat/client';
import { Collector, StallRelay, postMessage, startSteadySender, type Ack } from '@chat/testkit';
import { EventSource } from 'eventsource';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { reportFigures } from '../e2e/support/cluster-fixture.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { Resources } from '../gateway/helpers/resources.js';

/** The node's heartbeat on every streaming transport: a silent stream is dead after 5 s (2 s + 2 s + 1 s). */
const HEARTBEAT_MS = 2_000;
const TRANSPORTS: readonly TransportName[] = ['websocket', 'sse', 'xhr-stream'];

const resources = new Resources();
let node: TestNode;
let relay: StallRelay;

beforeAll(async () => {
  node = await startNode('silent-link', undefined, { WS_HEARTBEAT_MS: String(HEARTBEAT_MS), SSE_HEARTBEAT_MS: String(HEARTBEAT_MS) });
  resources.track({ close: () => node.drain() });
  relay = await StallRelay.start({ host: '127.0.0.1', port: node.port });
  resources.track(relay);
});
afterAll(() => resources.closeAll());

interface Watched {
  readonly transport: TransportName;
  readonly room: string;
  readonly client: ChatClient;
  readonly messages: Collector<ChatMessage>;
  readonly statuses: Collector<ConnectionStatus & { readonly at: number }>;
}

function watch(transport: TransportName): Watched {
  const room = `silent-${transport}`;
  const client = new ChatClient({ url: relay.url, rooms: [room], nick: `n-${transport}`, transports: [transport], WebSocket, EventSource });
  const watched: Watched = { transport, room, client, messages: new Collector(), statuses: new Collector() };
  client.on('message', watched.messages.push);
  client.on('status', (status) => watched.statuses.push({ ...status, at: Date.now() }));
  resources.track({ close: () => client.stop() });
  client.start();
  return watched;
}

const key = (position: { epoch: string; offset: number }): string => `${position.epoch}/${position.offset}`;

describe('the SDK behind a link that goes silent (a relay that stops forwarding: no FIN, no RST)', () => {
  it('notices on WebSocket, SSE and XHR streaming alike, is back within 10 s, and loses and repeats nothing', async () => {
    const users = TRANSPORTS.map(watch);
    for (const user of users) await user.statuses.waitFor((items) => items.some((status) => status.state === 'connected'), { what: `${user.transport} connected` });
    // Messages straight to the node before, during and after the silence: each user's room gets 40 over 8 s.
    const run = startSteadySender(40 * users.length, 5 * users.length, (index) => {
      const user = users[index % users.length]!;
      const text = `m-${index}`;
      return postMessage(node.http, user.room, { text, nick: 'sender', cid: text });
    });
    await Promise.all(users.map((user) => user.messages.waitFor((items) => items.length >= 2, { what: `${user.transport}: traffic before the stall` })));

    const marks = users.map((user) => user.statuses.items.length);
    const stalledAt = Date.now();
    expect(relay.stall()).toBeGreaterThanOrEqual(users.length);
    const figures = await Promise.all(
      users.map(async (user, i) => {
        const after = (): Array<ConnectionStatus & { at: number }> => user.statuses.items.slice(marks[i]);
        await user.statuses.waitFor(() => after().some((status) => status.state === 'reconnecting'), { timeoutMs: 15_000, what: `${user.transport} to notice` });
        const lost = after().find((status) => status.state === 'reconnecting')!;
        await user.statuses.waitFor(() => after().some((status) => status.state === 'connected' && status.at >= lost.at), { timeoutMs: 15_000, what: `${user.transport} back` });
        const back = after().find((status) => status.state === 'connected' && status.at >= lost.at)!;
        return { transport: user.transport, noticedMs: lost.at - stalledAt, backMs: back.at - stalledAt, reason: lost.reason };
      }),
    );

    await run.done;
    const delivery = users.map((user) => {
      const acks = run.acks.filter((ack: Ack) => ack.room === user.room);
      return { user, acks };
    });
    for (const { user, acks } of delivery) {
      const wanted = new Set(acks.map(key));
      await user.messages.waitFor((items) => [...wanted].every((k) => items.some((message) => key(message) === k)), { timeoutMs: 10_000, what: `${user.transport}: all ${acks.length} messages` });
    }
    const report = delivery.map(({ user, acks }) => {
      const shown = user.messages.items.map(key);
      return { transport: user.transport, sent: acks.length, shown: shown.length, lost: acks.filter((ack) => !shown.includes(key(ack))).length, duplicates: shown.length - new Set(shown).size };
    });
    reportFigures('silent-link-node', { heartbeatMs: HEARTBEAT_MS, figures, report });

    for (const figure of figures) {
      // Not before heartbeats went missing (messages flowed until the stall), and back, resumed, within 10 s.
      expect(figure.noticedMs, figure.transport).toBeGreaterThanOrEqual(HEARTBEAT_MS * 1.5);
      expect(figure.backMs, figure.transport).toBeLessThan(10_000);
      expect(figure.reason, figure.transport).toMatch(/silent/);
    }
    for (const row of report) expect(row, row.transport).toMatchObject({ lost: 0, duplicates: 0 });
  }, 45_000);
});
