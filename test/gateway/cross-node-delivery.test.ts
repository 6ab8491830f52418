import type { MessageEvent } from '@chat/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServer } from '@chat/testkit';
import { range } from './helpers/frames.js';
import { startNode, type TestNode } from './helpers/gateway-nodes.js';
import { PollClient, postMessage } from './helpers/http-client.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { TcpLineClient, WsLineClient, type LineClient } from './helpers/line-clients.js';
import { LOBBY, outputLine, readyLineClient } from './helpers/lobby.js';
import { Resources } from './helpers/resources.js';
import { SseClient } from './helpers/sse-client.js';

/** Every kind of lobby member one node holds. */
interface Members {
  readonly node: TestNode;
  readonly json: JsonWsClient;
  readonly jsonJoinedAt: number;
  readonly wsLine: WsLineClient;
  readonly tcp: TcpLineClient;
  readonly sse: SseClient;
  readonly sseJoinedAt: number;
  readonly poll: PollClient;
  readonly pollJoinedAt: number;
}

const resources = new Resources();
let redis: RedisServer;
let a: Members;
let b: Members;

async function membersOn(node: TestNode): Promise<Members> {
  const json = resources.track(await JsonWsClient.connect(node.ws, { nick: `json-${node.id}` }));
  const joined = await json.join(LOBBY);
  const wsLine = resources.track(await readyLineClient(node.http, () => WsLineClient.connect(node.ws), `wsline-${node.id}`));
  const tcp = resources.track(await readyLineClient(node.http, () => TcpLineClient.connect(node.tcpPort), `tcp-${node.id}`));
  const sse = resources.track(await SseClient.open(node.http, `rooms=${LOBBY}`));
  const sseJoined = await sse.joined(LOBBY);
  const poll = new PollClient(LOBBY);
  await poll.pollOnce(node.http);
  const pollJoined = poll.events.find((event) => event.type === 'joined');
  return {
    node,
    json,
    jsonJoinedAt: joined.offset,
    wsLine,
    tcp,
    sse,
    sseJoinedAt: sseJoined.offset,
    poll,
    pollJoinedAt: typeof pollJoined?.offset === 'number' ? pollJoined.offset : Number.NaN,
  };
}

/** Waits until every member of both nodes got the message, in its transport's form. */
async function everyoneReceives(nick: string, text: string): Promise<void> {
  const line = outputLine(nick, text);
  const checks: Array<Promise<unknown>> = [];
  for (const members of [a, b]) {
    checks.push(
      members.json.waitForMessage(LOBBY, text).then((message) => expect(message.nick, `ws json on ${members.node.id}`).toBe(nick)),
      members.sse.waitForMessage(LOBBY, text).then((message) => expect(message.nick, `sse on ${members.node.id}`).toBe(nick)),
      members.wsLine.waitForLine(line),
      members.tcp.waitForLine(line),
      members.poll.pollUntil(members.node.http, (event) => event.type === 'message' && event.text === text),
    );
  }
  await Promise.all(checks);
}

type Sender = (members: Members, text: string) => Promise<string>;

const senders: Record<string, Sender> = {
  'ws json': async (members, text) => {
    await members.json.say(LOBBY, text);
    return `json-${members.node.id}`;
  },
  'ws line': (members, text) => {
    members.wsLine.send(`msg ! ${text}`);
    return Promise.resolve(`wsline-${members.node.id}`);
  },
  tcp: (members, text) => {
    members.tcp.send(`msg ! ${text}`);
    return Promise.resolve(`tcp-${members.node.id}`);
  },
  'http post (the send path of SSE and long-poll clients)': async (members, text) => {
    const nick = `http-${members.node.id}`;
    const answer = await postMessage(members.node.http, LOBBY, { text, nick });
    expect(answer.status).toBe(201);
    return nick;
  },
};

beforeAll(async () => {
  redis = await startRedisServer();
});

afterAll(async () => {
  await resources.closeAll();
  await redis?.stop();
});

describe('cross-node delivery over every transport', () => {
  beforeAll(async () => {
    const nodeA = await startNode('node-a', redis.url, { TCP_PORT: '0' });
    const nodeB = await startNode('node-b', redis.url, { TCP_PORT: '0' });
    resources.track({ close: () => nodeA.drain() });
    resources.track({ close: () => nodeB.drain() });
    a = await membersOn(nodeA);
    b = await membersOn(nodeB);
  });

  for (const [transport, send] of Object.entries(senders)) {
    for (const from of ['a', 'b'] as const) {
      it(`a message sent over ${transport} on node ${from} reaches every member on both nodes over every transport, the sender included`, async () => {
        const members = from === 'a' ? a : b;
        const text = `via ${transport} from ${members.node.id} ${Math.random().toString(36).slice(2, 8)}`;
        const nick = await send(members, text);
        await everyoneReceives(nick, text);
      });
    }
  }

  it('every member saw the same messages with offsets increasing by one, and line clients saw them in the same order', () => {
    const expectedCount = Object.keys(senders).length * 2;
    for (const members of [a, b]) {
      const reference = members.json.messages(LOBBY);
      expect(reference).toHaveLength(expectedCount);
      const first = members.jsonJoinedAt + 1;
      expect(reference.map((message) => message.offset), `ws json on ${members.node.id}`).toEqual(range(first, first + expectedCount - 1));
      const sseMessages = members.sse.messages(LOBBY);
      expect(sseMessages.map((message) => message.offset), `sse on ${members.node.id}`).toEqual(range(members.sseJoinedAt + 1, members.sseJoinedAt + sseMessages.length));
      const pollMessages = members.poll.messages(LOBBY);
      expect(pollMessages.map((message) => message.offset), `poll on ${members.node.id}`).toEqual(range(members.pollJoinedAt + 1, members.pollJoinedAt + pollMessages.length));
      const texts = (messages: readonly MessageEvent[]) => messages.map((message) => message.text);
      expect(texts(sseMessages)).toEqual(texts(reference));
      expect(texts(pollMessages)).toEqual(texts(reference));
      const expectedLines = reference.map((message) => outputLine(message.nick, message.text));
      const lineClients: Array<[string, LineClient]> = [['ws line', members.wsLine], ['tcp', members.tcp]];
      for (const [name, client] of lineClients) expect(client.outputs(), `${name} on ${members.node.id}`).toEqual(expectedLines);
    }
    const nodeB = b.json.messages(LOBBY);
    expect(nodeB.map((message) => `${message.offset}:${message.text}`)).toEqual(a.json.messages(LOBBY).map((message) => `${message.offset}:${message.text}`));
  });
});
