import { ChatClient, type ChatMessage, type ConnectionStatus, type SendAck, type TransportName } from '@chat/client';
import { Collector } from '@chat/testkit';
import { EventSource } from 'eventsource';
import { afterEach, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { reportFigures, useCluster } from './support/cluster-fixture.js';

const cluster = useCluster({ gateways: 3 });

/** A user as a Node script would write one: the SDK on one transport, its events collected. */
interface User {
  readonly client: ChatClient;
  readonly messages: Collector<ChatMessage>;
  readonly statuses: Collector<ConnectionStatus>;
  readonly gaps: Array<{ room: string; reason: string }>;
}

const users: User[] = [];
afterEach(() => {
  for (const user of users.splice(0)) user.client.stop();
});

function startUser(url: string, nick: string, room: string, transport: TransportName): User {
  const client = new ChatClient({ url, rooms: [room], nick, transports: [transport], WebSocket, EventSource });
  const user: User = { client, messages: new Collector(), statuses: new Collector(), gaps: [] };
  client.on('message', user.messages.push);
  client.on('status', user.statuses.push);
  client.on('gap', (gap) => user.gaps.push(gap));
  client.start();
  users.push(user);
  return user;
}

const key = (position: { epoch: string; offset: number }): string => `${position.epoch}/${position.offset}`;

/** Resolves once `user` has shown every acked message. */
async function receivedAll(user: User, acks: readonly SendAck[], what: string): Promise<void> {
  const has = (items: readonly ChatMessage[]): boolean => {
    const shown = new Set(items.map(key));
    return acks.every((ack) => shown.has(key(ack)));
  };
  await user.messages.waitFor(has, { timeoutMs: 20_000, what: `${what}: all ${acks.length} acked messages` });
}

/** Every message shown once and, per room and epoch, in strictly increasing offset order. */
function expectOnceInOrder(user: User): void {
  const keys = user.messages.items.map(key);
  expect(new Set(keys).size, 'each message shown once').toBe(keys.length);
  const last = new Map<string, number>();
  for (const message of user.messages.items) {
    const stream = `${message.room}/${message.epoch}`;
    expect(message.offset, `order in ${stream}`).toBeGreaterThan(last.get(stream) ?? 0);
    last.set(stream, message.offset);
  }
}

/** The status the client reports once connected on a node other than `node`. */
function connectedElsewhere(user: User, node: string | undefined, from: number): Promise<ConnectionStatus> {
  const find = (items: readonly ConnectionStatus[]): ConnectionStatus | undefined =>
    items.slice(from).find((status) => status.state === 'connected' && status.node !== undefined && status.node !== node);
  return user.statuses.waitFor((items) => find(items) !== undefined, { timeoutMs: 20_000, what: `connected elsewhere than ${node}` }).then((items) => find(items)!);
}

describe('the @chat/client SDK in Node, through nginx to three gateways', () => {
  for (const transport of ['websocket', 'sse', 'long-poll'] as const) {
    it(`chats over ${transport} and resumes without loss when its node is killed with SIGKILL`, async () => {
      const { url, nodes } = cluster();
      const room = `sdk-${transport}`;
      const alice = startUser(url, 'alice', room, transport);
      const bob = startUser(url, 'bob', room, transport);

      // Chat: each sees the other's message and its own.
      const hello = await Promise.all([alice.client.send(room, 'hi from alice'), bob.client.send(room, 'hi from bob')]);
      await Promise.all([receivedAll(alice, hello, 'alice'), receivedAll(bob, hello, 'bob')]);
      const connected = alice.client.currentStatus;
      expect(connected).toMatchObject({ state: 'connected', transport });
      const victimId = connected.node;
      const victim = nodes.find((node) => node.id === victimId);
      if (!victim) throw new Error(`alice reports node ${String(victimId)}, which is not in the cluster`);

      // Messages in flight from both users while alice's node dies.
      const marker = alice.statuses.items.length;
      const sends: Array<Promise<SendAck>> = [];
      for (let i = 0; i < 10; i++) sends.push((i % 2 === 0 ? alice : bob).client.send(room, `before-kill-${i}`));
      const killedAt = Date.now();
      const exit = await victim.kill('SIGKILL');
      // The next transport gets three nodes again, whatever happens here.
      onTestFinished(() => victim.start());
      for (let i = 0; i < 10; i++) sends.push((i % 2 === 0 ? alice : bob).client.send(room, `after-kill-${i}`));
      const resumed = await connectedElsewhere(alice, victimId, marker);
      const resumedMs = Date.now() - killedAt;
      const acks = [...hello, ...(await Promise.all(sends))];
      await Promise.all([receivedAll(alice, acks, 'alice'), receivedAll(bob, acks, 'bob')]);

      const states = alice.statuses.items.slice(marker).map((status) => status.state);
      reportFigures('client-sdk', { transport, victim: victimId, resumedOn: resumed.node, resumedMs, allDeliveredMs: Date.now() - killedAt, states, acked: acks.length });
      expect(exit.signal).toBe('SIGKILL');
      expect(resumed.node).not.toBe(victimId);
      // A socket or stream breaks: the client says so, then connects on a live node. A poll in flight
      // to the dead node is passed on by nginx to a live one (proxy_next_upstream), so long-poll
      // clients only see the answering node change.
      if (transport !== 'long-poll') {
        expect(states.indexOf('reconnecting')).toBeGreaterThanOrEqual(0);
        expect(states.indexOf('reconnecting')).toBeLessThan(states.lastIndexOf('connected'));
      }
      for (const user of [alice, bob]) {
        expectOnceInOrder(user);
        expect(user.gaps).toEqual([]);
      }
      const texts = alice.messages.items.map((message) => message.text);
      expect(new Set(texts).size).toBe(texts.length);
      expect(new Set(acks.map(key)).size).toBe(acks.length);
      expect(cluster().unexpectedExits()).toEqual([]);
    });
  }
});
