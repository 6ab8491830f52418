import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { Collector, textOf, checkDelivery, sumReports, type Ack, postMessage } from '@chat/testkit';
import { reportFigures, useCluster } from './support/cluster-fixture.js';
import { ChatPeer } from './support/chat-peer.js';

const cluster = useCluster({ gateways: 3 });
const closers: Array<() => unknown> = [];
afterAll(async () => {
  for (const close of closers) await close();
});

describe('a three-node cluster behind nginx', () => {
  it('clients on WebSocket, SSE, long-poll and POST, spread over the nodes, all see every message in order', async () => {
    const { url } = cluster();
    const room = 'cross-node';
    const ws = Array.from({ length: 3 }, (_, i) => new ChatPeer({ url, nick: `ws-${i}`, rooms: [room], transport: 'websocket' }));
    const sse = Array.from({ length: 3 }, (_, i) => new ChatPeer({ url, nick: `sse-${i}`, rooms: [room], transport: 'sse' }));
    const poll = new ChatPeer({ url, nick: 'poll-0', rooms: [room], transport: 'long-poll' });
    for (const client of [...ws, ...sse]) closers.push(() => client.close());
    closers.push(() => poll.close());
    // One at a time, so least_conn sees each connection before placing the next.
    for (const client of [...ws, ...sse]) await client.connect();
    await poll.connect();

    const nodes = new Set([...ws, ...sse].map((client) => client.node));
    expect([...nodes].sort()).toEqual(['gateway-1', 'gateway-2', 'gateway-3']);

    const acks: Ack[] = [];
    const sends: Array<Promise<Ack>> = [];
    for (let round = 0; round < 4; round++) {
      ws.forEach((client, i) => sends.push(client.send(room, `ws-${i}-${round}`)));
      sends.push(postMessage(url, room, { text: `post-${round}`, nick: 'poster', cid: `post-${round}` }));
    }
    acks.push(...(await Promise.all(sends)));
    const postNodes = new Set(acks.filter((ack) => ack.cid.startsWith('post-')).map((ack) => ack.node));

    const receivers = [...ws, ...sse, poll];
    await Promise.all(receivers.map((client) => client.log.waitFor(() => client.log.hasAll(acks), `${client.nick} to receive ${acks.length} messages`)));
    const reports = receivers.map((client) => checkDelivery(client.log.messages, acks));
    const total = sumReports(reports);
    reportFigures('cross-node', { clients: receivers.length, nodes: [...nodes], postNodes: [...postNodes], messages: acks.length, ...total });
    expect(total).toEqual({ lost: 0, redelivered: 0, duplicates: 0, outOfOrder: 0, gaps: 0 });
    expect(new Set(acks.map((ack) => ack.offset)).size).toBe(acks.length);
  });

  it('every answer through nginx names the node that served it (X-Node-Id), errors included', async () => {
    const { url } = cluster();
    const requests: Array<[string, RequestInit?]> = [
      ['/healthz'],
      ['/readyz'],
      ['/chat'],
      ['/no-such-file.txt'],
      ['/rooms/cross-node/presence'],
      ['/rooms/cross-node/messages', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{not json' }],
    ];
    const nodes = new Set<string>();
    for (const [path, init] of requests) {
      const response = await fetch(`${url}${path}`, init);
      await response.arrayBuffer();
      const node = response.headers.get('x-node-id');
      expect(node, `${init?.method ?? 'GET'} ${path} (${response.status})`).toMatch(/^gateway-[123]$/);
      nodes.add(node ?? '');
    }
    expect(nodes.size).toBeGreaterThan(1);
  });

  it('line-protocol clients in lobby and JSON clients see each other across nodes', async () => {
    const { url } = cluster();
    const wsUrl = url.replace(/^http/, 'ws');
    const lines = new Collector<string>();
    const line = new WebSocket(`${wsUrl}/ws/line`);
    closers.push(() => line.terminate());
    line.on('message', (data) => lines.push(textOf(data)));
    await new Promise((resolve, reject) => line.once('open', resolve).once('error', reject));
    const json = new ChatPeer({ url, nick: 'json-lobby', rooms: ['lobby'], transport: 'websocket' });
    closers.push(() => json.close());
    await json.connect();

    line.send('nick ! liner');
    line.send('msg ! hello from the line side');
    await json.log.waitFor(() => json.log.messages.some((message) => message.text === 'hello from the line side'), 'the line message');
    await json.send('lobby', 'hello from the JSON side');
    await lines.waitFor((items) => items.includes('output ! json-lobby: hello from the JSON side'), { what: 'the JSON message as a line' });
  });
});
