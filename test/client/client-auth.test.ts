import { ChatClient, type ChatClientOptions, type ChatMessage, type ConnectionStatus, type FetchFunction, type TransportName, type WebSocketConstructor } from '@chat/client';
import { Collector, freePort } from '@chat/testkit';
import { EventSource } from 'eventsource';
import { setTimeout as delay } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { signToken } from '../../services/gateway/src/auth/token.js';
import { startNode, type TestNode } from '../gateway/helpers/gateway-nodes.js';
import { Resources } from '../gateway/helpers/resources.js';

const SECRET = 'client-auth-test-secret-0123456789';
const NODE_TRANSPORTS: readonly TransportName[] = ['websocket', 'sse', 'xhr-stream', 'long-poll'];

/** A client whose connection attempts (WebSocket opens and HTTP requests) are counted. */
function countedClient(url: string, options: Partial<ChatClientOptions>): { client: ChatClient; statuses: Collector<ConnectionStatus>; attempts: () => number } {
  let attempts = 0;
  const CountedWebSocket = class extends WebSocket {
    constructor(address: string) {
      super(address);
      attempts += 1;
    }
  } as unknown as WebSocketConstructor;
  const countedFetch: FetchFunction = (input, init) => {
    attempts += 1;
    return fetch(input, init);
  };
  const client = new ChatClient({ url, rooms: ['lobby'], WebSocket: CountedWebSocket, EventSource, fetch: countedFetch, transports: NODE_TRANSPORTS, ...options });
  const statuses = new Collector<ConnectionStatus>();
  client.on('status', statuses.push);
  return { client, statuses, attempts: () => attempts };
}

const reached = (state: ConnectionStatus['state']) => (items: readonly ConnectionStatus[]) => items.some((status) => status.state === state);

describe('the SDK against a node with auth on: an unauthorized answer is final', () => {
  const resources = new Resources();
  let node: TestNode;

  beforeAll(async () => {
    node = await startNode('auth-node', undefined, { AUTH_SECRET: SECRET });
    resources.track({ close: () => node.drain() });
  });
  afterAll(() => resources.closeAll());

  for (const transports of [NODE_TRANSPORTS, ['sse'], ['xhr-stream'], ['long-poll']] as const) {
    it(`without a token on ${transports.join(', ')}: status unauthorized with the answering transport's reason, then quiet`, async () => {
      const { client, statuses, attempts } = countedClient(node.http, { transports });
      resources.track({ close: () => client.stop() });
      client.start();
      await statuses.waitFor(reached('unauthorized'), { what: 'status unauthorized' });
      const final = statuses.items.at(-1);
      expect(final?.state).toBe('unauthorized');
      // WebSocket is told by close 4001; streams by the one authenticated read after they failed.
      expect(final?.reason).toMatch(transports[0] === 'websocket' ? /^websocket: / : /^http: /);
      const attemptsThen = attempts();
      expect(attemptsThen).toBeLessThanOrEqual(3);
      // Nothing more: no retry loop (the old client made 30 attempts in 12 s).
      await delay(1_500);
      expect(attempts()).toBe(attemptsThen);
      expect(statuses.items.at(-1)?.state).toBe('unauthorized');
      client.stop();
    });
  }

  it('with getToken: asks once for a token and connects with it (as the token names)', async () => {
    let asked = 0;
    const token = await signToken({ sub: 'alice', nick: 'Alice', exp: Math.floor(Date.now() / 1000) + 600 }, SECRET);
    const { client, statuses } = countedClient(node.http, { getToken: () => (asked++, token) });
    resources.track({ close: () => client.stop() });
    client.start();
    await statuses.waitFor(reached('connected'), { what: 'connected' });
    expect(asked).toBe(1);
    expect(client.nick).toBe('Alice');
    const ack = await client.send('lobby', 'signed in');
    expect(ack.offset).toBeGreaterThan(0);
    client.stop();
  });

  it('with getToken giving a token the server refuses too: unauthorized after one ask', async () => {
    let asked = 0;
    const wrong = await signToken({ sub: 'mallory', exp: Math.floor(Date.now() / 1000) + 600 }, 'another-secret-of-enough-length');
    const { client, statuses } = countedClient(node.http, { getToken: () => (asked++, wrong) });
    resources.track({ close: () => client.stop() });
    client.start();
    await statuses.waitFor(reached('unauthorized'), { what: 'status unauthorized' });
    expect(asked).toBe(1);
    client.stop();
  });
});

describe('the SDK: what the user sees of the connection and of deletes', () => {
  const resources = new Resources();
  let node: TestNode;

  beforeAll(async () => {
    node = await startNode('open-node', undefined);
    resources.track({ close: () => node.drain() });
  });
  afterAll(() => resources.closeAll());

  it('against a port where nothing listens it says so at once (reconnecting, with the reason)', async () => {
    const { client, statuses } = countedClient(`http://127.0.0.1:${await freePort()}`, { transports: ['websocket'] });
    resources.track({ close: () => client.stop() });
    const started = Date.now();
    client.start();
    const items = await statuses.waitFor(reached('reconnecting'), { timeoutMs: 3_000, what: 'reconnecting' });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(items.find((status) => status.state === 'reconnecting')?.reason).toMatch(/^websocket: /);
    client.stop();
  });

  it('edits and deletes arrive as their own events; a deleted message never arrives as a message', async () => {
    const room = 'deletes';
    const alice = new ChatClient({ url: node.http, rooms: [room], nick: 'alice', WebSocket, transports: ['websocket'] });
    resources.track({ close: () => alice.stop() });
    alice.start();
    const kept = await alice.send(room, 'kept');
    const gone = await alice.send(room, 'to be deleted');
    await alice.features.remove(room, gone.offset);

    // A new member's first page is folded: the deleted message is not in it.
    const bob = new ChatClient({ url: node.http, rooms: [room], nick: 'bob', WebSocket, transports: ['websocket'] });
    resources.track({ close: () => bob.stop() });
    const messages = new Collector<ChatMessage>();
    const deletes = new Collector<ChatMessage>();
    const edits = new Collector<ChatMessage>();
    bob.on('message', messages.push);
    bob.on('delete', deletes.push);
    bob.on('edit', edits.push);
    bob.start();
    await messages.waitFor((items) => items.some((message) => message.offset === kept.offset), { what: 'the kept message' });

    // Live: an edit and a delete come as `edit` and `delete`, each naming its target.
    const later = await alice.send(room, 'live one');
    await messages.waitFor((items) => items.some((message) => message.offset === later.offset));
    await alice.features.edit(room, later.offset, 'live one, edited');
    await alice.features.remove(room, later.offset);
    await deletes.waitForCount(1);
    await edits.waitForCount(1);
    expect(deletes.items[0]).toMatchObject({ target: later.offset, kind: 'delete' });
    expect(edits.items[0]).toMatchObject({ target: later.offset, kind: 'edit', text: 'live one, edited' });
    expect(messages.items.map((message) => message.text)).toEqual(['kept', 'live one']);
    alice.stop();
    bob.stop();
  });
});
