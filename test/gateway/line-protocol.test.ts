import { beforeAll, describe, expect, it } from 'vitest';
import { type RedisServer, eventually } from '@chat/testkit';
import { startNode, useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { presence } from './helpers/http-client.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { TcpLineClient, WsLineClient } from './helpers/line-clients.js';
import { LOBBY, outputLine, readyLineClient } from './helpers/lobby.js';
import { Resources } from './helpers/resources.js';

const IDLE_TICK_MS = 300;
const MAX_LINE_BYTES = 64;
const TICK = /^clock ! tick \d\d:\d\d:\d\d$/;
const resources = new Resources();
let redis: RedisServer;
let a: TestNode;
let b: TestNode;

const settings = { TCP_PORT: '0', IDLE_TICK_MS: String(IDLE_TICK_MS), MAX_LINE_BYTES: String(MAX_LINE_BYTES) };
useTwoNodes(resources, settings, (nodes) => ({ redis, a, b } = nodes));

describe('the seed line protocol on /ws/line and TCP, across nodes', () => {
  let wsLineA: WsLineClient;
  let tcpA: TcpLineClient;
  let wsLineB: WsLineClient;
  let tcpB: TcpLineClient;
  let jsonA: JsonWsClient;
  let jsonB: JsonWsClient;

  beforeAll(async () => {
    wsLineA = resources.track(await readyLineClient(a.http, () => WsLineClient.connect(a.ws), 'guest-ws-a'));
    tcpA = resources.track(await readyLineClient(a.http, () => TcpLineClient.connect(a.tcpPort), 'guest-tcp-a'));
    wsLineB = resources.track(await readyLineClient(b.http, () => WsLineClient.connect(b.ws), 'guest-ws-b'));
    tcpB = resources.track(await readyLineClient(b.http, () => TcpLineClient.connect(b.tcpPort), 'guest-tcp-b'));
    jsonA = resources.track(await JsonWsClient.connect(a.ws, { nick: 'json-a' }));
    jsonB = resources.track(await JsonWsClient.connect(b.ws, { nick: 'json-b' }));
    await jsonA.join(LOBBY);
    await jsonB.join(LOBBY);
  });

  async function everyLobbyClientSees(nick: string, text: string): Promise<void> {
    const line = outputLine(nick, text);
    await Promise.all([
      ...[wsLineA, tcpA, wsLineB, tcpB].map((client) => client.waitForLine(line)),
      ...[jsonA, jsonB].map(async (client) => expect((await client.waitForMessage(LOBBY, text)).nick).toBe(nick)),
    ]);
  }

  it('"nick ! bob" then "msg ! hi" on /ws/line reaches every lobby client as "output ! bob: hi"', async () => {
    wsLineA.send('nick ! bob');
    wsLineA.send('msg ! hi');
    await everyLobbyClientSees('bob', 'hi');
  });

  it('"nick ! carol" then "msg ! hello there" over TCP reaches every lobby client', async () => {
    tcpB.send('nick ! carol');
    tcpB.send('msg ! hello there');
    await everyLobbyClientSees('carol', 'hello there');
  });

  it('a JSON send to lobby reaches line clients as "output ! <nick>: <text>"', async () => {
    await jsonB.say(LOBBY, 'from json');
    await everyLobbyClientSees('json-b', 'from json');
  });

  it('"\\r\\n" line endings are accepted over TCP', async () => {
    tcpA.write('nick ! dave\r\nmsg ! crlf works\r\n');
    await everyLobbyClientSees('dave', 'crlf works');
  });

  it('anything else is answered "status ! received \'<data>\'" to that client only', async () => {
    const marks = [wsLineB, tcpA, tcpB].map((client) => client.mark());
    wsLineA.send('hello');
    await wsLineA.waitForLine("status ! received 'hello'");
    tcpA.send('hello tcp');
    await tcpA.waitForLine("status ! received 'hello tcp'");
    wsLineA.send('msg ! fence');
    await everyLobbyClientSees('bob', 'fence');
    const others = [wsLineB, tcpA, tcpB];
    others.forEach((client, index) => {
      const since = client.lines.items.slice(marks[index]);
      expect(since.filter((line) => line === "status ! received 'hello'")).toEqual([]);
    });
    expect(wsLineB.lines.items.some((line) => line.includes('hello tcp'))).toBe(false);
  });

  it(`an idle connection hears "clock ! tick HH:MM:SS" after IDLE_TICK_MS (${IDLE_TICK_MS} ms)`, async () => {
    const started = Date.now();
    const ws = resources.track(await WsLineClient.connect(b.ws));
    const tcp = resources.track(await TcpLineClient.connect(a.tcpPort));
    const [wsTick, tcpTick] = await Promise.all([ws.waitForLine(TICK, { timeoutMs: 5000 }), tcp.waitForLine(TICK, { timeoutMs: 5000 })]);
    expect(wsTick).toMatch(TICK);
    expect(tcpTick).toMatch(TICK);
    expect(Date.now() - started).toBeGreaterThanOrEqual(IDLE_TICK_MS - 50);
    const [hours, minutes] = wsTick.slice('clock ! tick '.length).split(':').map(Number);
    expect(hours).toBeLessThan(24);
    expect(minutes).toBeLessThan(60);
  });

  it(`a TCP line longer than MAX_LINE_BYTES (${MAX_LINE_BYTES}) gets "status ! line too long" and the connection stays usable`, async () => {
    const client = resources.track(await TcpLineClient.connect(a.tcpPort));
    client.send(`msg ! ${'x'.repeat(MAX_LINE_BYTES * 2)}`);
    await client.waitForLine(/^status ! line too long/);
    // A long line arriving in pieces, without a newline yet, is dropped as a whole.
    const from = client.mark();
    client.write('y'.repeat(MAX_LINE_BYTES + 10));
    await client.waitForLine(/^status ! line too long/, { from });
    client.write(`${'y'.repeat(20)}\n`);
    client.send('still here');
    await client.waitForLine("status ! received 'still here'");
    expect(client.lines.items.some((line) => line.includes('yyyy'))).toBe(false);
    expect(client.isOpen).toBe(true);
  });

  it('a TCP line that is not UTF-8 gets "status ! bad_request: …" and is dropped, not stored as U+FFFD; characters split across packets still decode', async () => {
    const client = resources.track(await TcpLineClient.connect(a.tcpPort));
    const watcher = resources.track(await JsonWsClient.connect(a.ws));
    await watcher.join(LOBBY);
    client.write(Buffer.concat([Buffer.from('msg ! broken '), Buffer.from([0xc3, 0x28, 0xff]), Buffer.from('\n')]));
    await client.waitForLine('status ! bad_request: line is not valid UTF-8');
    const euro = Buffer.from('msg ! price 5\u20ac\n');
    const split = euro.indexOf(0xe2) + 1;
    client.write(euro.subarray(0, split));
    await new Promise((resolve) => setImmediate(resolve));
    client.write(euro.subarray(split));
    await watcher.waitForMessage(LOBBY, 'price 5\u20ac');
    expect(watcher.messages(LOBBY).some((message) => message.text.includes('broken'))).toBe(false);
    expect(client.isOpen).toBe(true);
  });
});

describe('a line client that speaks as soon as it is connected (Redis: its lobby join takes a round trip)', () => {
  it('hears its own "msg !" back, on TCP and on /ws/line, as every lobby client does', async () => {
    const clients = await Promise.all([
      ...Array.from({ length: 4 }, () => TcpLineClient.connect(a.tcpPort)),
      ...Array.from({ length: 4 }, () => WsLineClient.connect(b.ws)),
    ]);
    clients.forEach((client, index) => {
      resources.track(client);
      client.send(`msg ! first words ${index}`);
    });
    await Promise.all(clients.map((client, index) => client.waitForLine(new RegExp(`^output ! guest-\\S+: first words ${index}$`), { timeoutMs: 5000 })));
  });

  it('a TCP client that sends one line and hangs up at once (`printf … | nc`) still has its message delivered', async () => {
    const watcher = resources.track(await JsonWsClient.connect(b.ws));
    await watcher.join(LOBBY);
    const client = await TcpLineClient.connect(a.tcpPort);
    client.socket.end('msg ! said and gone\n');
    await client.waitForEnd();
    await watcher.waitForMessage(LOBBY, 'said and gone');
  });
});

describe('/ws/line binary frames', () => {
  it('a binary frame of UTF-8 is a line; one that is not UTF-8 gets "status ! bad_request: …" and is not published as U+FFFD', async () => {
    const client = resources.track(await WsLineClient.connect(a.ws));
    const watcher = resources.track(await JsonWsClient.connect(a.ws));
    await watcher.join(LOBBY);
    client.socket.send(Buffer.concat([Buffer.from('msg ! broken '), Buffer.from([0xc3, 0x28, 0xff])]), { binary: true });
    await client.waitForLine('status ! bad_request: frame is not valid UTF-8');
    client.socket.send(Buffer.from('msg ! binary but fine \u20ac'), { binary: true });
    await watcher.waitForMessage(LOBBY, 'binary but fine \u20ac');
    expect(watcher.messages(LOBBY).some((message) => message.text.includes('broken'))).toBe(false);
    expect(client.isOpen).toBe(true);
  });
});

describe('the TCP acceptor pool (TCP_MAX_CONNECTIONS=2)', () => {
  it('a third connection gets "status ! busy" and is closed; a place frees when one leaves', async () => {
    const c = await startNode('node-c', redis.url, { TCP_PORT: '0', TCP_MAX_CONNECTIONS: '2' });
    resources.track({ close: () => c.drain() });
    const first = resources.track(await TcpLineClient.connect(c.tcpPort));
    const second = resources.track(await TcpLineClient.connect(c.tcpPort));
    first.send('one');
    second.send('two');
    await first.waitForLine("status ! received 'one'");
    await second.waitForLine("status ! received 'two'");
    const third = resources.track(await TcpLineClient.connect(c.tcpPort));
    await third.waitForLine('status ! busy');
    await third.waitForEnd();
    expect(first.isOpen && second.isOpen).toBe(true);

    await first.close();
    const replacement = await eventually(
      async () => {
        const candidate = resources.track(await TcpLineClient.connect(c.tcpPort));
        candidate.send('again');
        const answer = await candidate.waitForLine((line) => line === "status ! received 'again'" || line === 'status ! busy', { timeoutMs: 2000 });
        if (answer === 'status ! busy') {
          await candidate.close();
          return undefined;
        }
        return candidate;
      },
      { what: 'a free place in the TCP pool' },
    );
    expect(replacement.isOpen).toBe(true);
    await eventually(async () => (await presence(c.http, LOBBY)).members.length >= 2);
  });
});
