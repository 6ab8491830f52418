import type { GatewayNode, LocalCluster } from '../../../scripts/cluster/local-cluster.js';
import { ChatPeer } from './chat-peer.js';
import { conflictingAcks, checkDelivery, sumReports, type Ack, type DeliveryReport, postMessage, type Reconnect, startSteadySender, type SendRun } from '@chat/testkit';

/** Receivers of one room, connected through nginx one after another so least_conn spreads them. */
export interface Receivers {
  readonly ws: ChatPeer[];
  readonly sse: ChatPeer[];
  all(): ChatPeer[];
  close(): void;
}

export async function connectReceivers(cluster: LocalCluster, room: string, counts = { ws: 6, sse: 3 }): Promise<Receivers> {
  const peer = (transport: 'websocket' | 'sse', nick: string): ChatPeer => new ChatPeer({ url: cluster.url, nick, rooms: [room], transport });
  const ws = Array.from({ length: counts.ws }, (_, i) => peer('websocket', `${room}-ws-${i}`));
  const sse = Array.from({ length: counts.sse }, (_, i) => peer('sse', `${room}-sse-${i}`));
  const receivers: Receivers = {
    ws,
    sse,
    all: () => [...ws, ...sse],
    close: () => {
      for (const client of receivers.all()) client.close();
    },
  };
  try {
    for (const client of receivers.all()) await client.connect();
  } catch (error) {
    receivers.close();
    throw error;
  }
  return receivers;
}

/** The node holding the most receivers (WebSocket first), the one a fault test takes down. */
export function busiestNode(cluster: LocalCluster, receivers: Receivers): GatewayNode {
  const counts = new Map<string, number>();
  for (const client of receivers.ws) if (client.node) counts.set(client.node, (counts.get(client.node) ?? 0) + 10);
  for (const client of receivers.sse) if (client.node) counts.set(client.node, (counts.get(client.node) ?? 0) + 1);
  const [busiest] = [...counts.entries()].sort((a, b) => b[1] - a[1]);
  const node = cluster.nodes.find((candidate) => candidate.id === busiest?.[0]);
  if (!node) throw new Error(`no receiver is connected to a node of the cluster (${JSON.stringify([...counts])})`);
  return node;
}

/** A POST that remembers when it started and which node stored it. */
export interface TimedPost {
  readonly startedAt: number;
  readonly ack: Ack;
}

/**
 * Sends `count` messages at `ratePerSec`: every third one by POST through nginx, the others by
 * the WebSocket receivers in turn (so senders on a failing node must retry after reconnecting).
 */
export function startMixedSender(cluster: LocalCluster, receivers: Receivers, room: string, count: number, ratePerSec: number): SendRun & { posts: TimedPost[] } {
  const posts: TimedPost[] = [];
  const run = startSteadySender(count, ratePerSec, async (index) => {
    const text = `${room}-msg-${index}`;
    if (index % 3 === 0) {
      const startedAt = Date.now();
      const ack = await postMessage(cluster.url, room, { text, nick: 'poster', cid: text });
      posts.push({ startedAt, ack });
      return ack;
    }
    const sender = receivers.ws[index % receivers.ws.length];
    if (!sender) throw new Error('no WebSocket sender');
    return sender.send(room, text);
  });
  return { ...run, posts };
}

/** Presence members of a room, read through nginx. */
export async function presence(cluster: LocalCluster, room: string): Promise<Array<{ nick: string; node: string }>> {
  const response = await fetch(`${cluster.url}/rooms/${room}/presence`);
  const body = (await response.json()) as { members?: Array<{ nick: string; node: string }> };
  if (response.status !== 200 || !Array.isArray(body.members)) throw new Error(`presence answered ${response.status}: ${JSON.stringify(body)}`);
  return body.members;
}

/** Waits until every receiver has every acked message, then totals the delivery checks. */
export async function verifyEveryoneGotEverything(receivers: Receivers, acks: readonly Ack[]): Promise<DeliveryReport & { conflictingAcks: number }> {
  await Promise.all(
    receivers.all().map((client) => client.log.waitFor(() => client.log.hasAll(acks), `${client.nick} to receive all ${acks.length} acked messages`)),
  );
  const total = sumReports(receivers.all().map((client) => checkDelivery(client.log.messages, acks)));
  return { ...total, conflictingAcks: conflictingAcks(acks) };
}

/** Every reconnect of every receiver. */
export function allReconnects(receivers: Receivers): { ws: Reconnect[]; sse: Reconnect[] } {
  return { ws: receivers.ws.flatMap((client) => client.reconnects), sse: receivers.sse.flatMap((client) => client.reconnects) };
}
