import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '@chat/testkit';
import type { Redis } from 'ioredis';
import { useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { fetchJson, poll, postMessage } from './helpers/http-client.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { Resources } from './helpers/resources.js';
import { EventStreamReader, streamUrl, type StreamKind } from './support/event-stream-reader.js';

const ROOM_TTL_MS = 2000;
const resources = new Resources();
let a: TestNode;
let b: TestNode;
let admin: Redis;
// The join budget as shipped (10 a second, 20 saved up): a stream's rooms must not be spent from it one by one.
useTwoNodes(resources, { RATE_JOINS_PER_SEC: '10', RATE_JOINS_BURST: '20', ROOM_TTL_MS: String(ROOM_TTL_MS) }, (nodes) => {
  ({ a, b } = nodes);
  admin = nodes.redis.client();
});

const readers: EventStreamReader[] = [];
afterEach(() => {
  for (const reader of readers.splice(0)) reader.close();
});

const roomsNamed = (prefix: string, count: number): string[] => Array.from({ length: count }, (_, index) => `${prefix}-${index}`);
const keysOf = async (room: string): Promise<string[]> => admin.keys(`chat:{${room}}*`);

describe('a request with many rooms is one admission', () => {
  for (const kind of ['sse', 'xhr-stream', 'pushlet'] as const satisfies readonly StreamKind[]) {
    it(`${kind} opens 25 rooms (more than the join burst of 20), gets each one's joined and their messages`, async () => {
      const rooms = roomsNamed(`many-${kind}`, 25);
      const reader = new EventStreamReader(kind, streamUrl(a.http, kind, rooms, { nick: 'reader' }));
      readers.push(reader);
      await reader.until(() => reader.events.filter((item) => item.event.type === 'joined').length === 25, 'every room joined');
      expect(reader.events.some((item) => item.event.type === 'error')).toBe(false);
      expect((await postMessage(b.http, rooms[24]!, { text: 'to the last room', nick: 'poster' })).status).toBe(201);
      await reader.until(() => reader.messages(rooms[24]).includes('1:to the last room'), 'the message in the 25th room');
    });
  }

  it('a long-poll with 25 rooms answers a joined for each, and the next poll waits on all of them', async () => {
    const rooms = roomsNamed('many-poll', 25);
    const first = await poll(a.http, rooms.join(','));
    expect(first.events.filter((event) => event.type === 'joined').map((event) => event.type === 'joined' && event.room).sort()).toEqual([...rooms].sort());
    const waiting = poll(b.http, rooms.join(','), { cursor: first.cursor, timeoutS: 10 });
    await eventually(async () => (await postMessage(a.http, rooms[13]!, { text: 'wake up', nick: 'poster' })).status === 201, { what: 'a post' });
    const second = await waiting;
    expect(second.events.map((event) => (event.type === 'message' ? `${event.room}:${event.text}` : event.type))).toContain(`${rooms[13]}:wake up`);
  });

  it('more rooms than MAX_ROOMS_PER_CONNECTION are refused with a clear error', async () => {
    const answer = await fetchJson<{ error?: { code?: string; message?: string } }>(`${a.http}/poll?rooms=${roomsNamed('too-many', 101).join(',')}`);
    expect(answer.status).toBe(400);
    expect(answer.body.error?.message).toMatch(/100/);
  });
});

describe('keys that expire', () => {
  it('reading 60 rooms that do not exist (history, pages, presence) creates no key', async () => {
    const before = await admin.dbsize();
    for (const room of roomsNamed('nobody-here', 20)) {
      for (const path of [`/rooms/${room}/messages`, `/rooms/${room}/messages?before=10`, `/rooms/${room}/presence`]) {
        expect((await fetchJson(`${b.http}${path}`)).status).toBe(200);
      }
    }
    expect(await admin.keys('chat:{nobody-here-*')).toEqual([]);
    expect(await admin.dbsize()).toBeLessThanOrEqual(before);
  });

  it('every key of a room has an expiry; a room without members goes after ROOM_TTL_MS, a room with a member stays', async () => {
    const member = resources.track(await JsonWsClient.connect(a.ws, { nick: 'stayer' }));
    await member.join('lived-in');
    expect((await postMessage(b.http, 'lived-in', { text: 'kept', nick: 'poster' })).status).toBe(201);
    expect((await postMessage(b.http, 'deserted', { text: 'forgotten', nick: 'poster' })).status).toBe(201);
    const postedAt = Date.now();
    for (const key of [...(await keysOf('lived-in')), ...(await keysOf('deserted'))]) expect(await admin.pttl(key), key).toBeGreaterThan(0);
    await eventually(async () => (await keysOf('deserted')).length === 0, { timeoutMs: ROOM_TTL_MS * 4, what: 'the deserted room forgotten' });
    await eventually(() => Date.now() - postedAt > ROOM_TTL_MS * 2, { timeoutMs: ROOM_TTL_MS * 4, what: 'two room ttls' });
    const kept = await fetchJson<{ messages: Array<{ text: string }> }>(`${b.http}/rooms/lived-in/messages`);
    expect(kept.body.messages.map((message) => message.text)).toEqual(['kept']);
    const all = await admin.keys('chat:*');
    const persistent = [];
    for (const key of all) if ((await admin.pttl(key)) < 0) persistent.push(key);
    expect(persistent).toEqual([]);
  });
});
