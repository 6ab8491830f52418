import { encodeCursor, MAX_STREAM_CURSOR_LENGTH, type Cursor } from '@chat/protocol';
import type { RedisServer } from '@chat/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import { parseCommandStats } from '../../services/loadgen/src/checks/redis-commandstats.js';
import { useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { PollClient, postMessage } from './helpers/http-client.js';
import { Resources } from './helpers/resources.js';
import { EventStreamReader, streamUrl, type StreamKind } from './support/event-stream-reader.js';

const resources = new Resources();
let redis: RedisServer;
let a: TestNode;
let b: TestNode;
useTwoNodes(resources, {}, (nodes) => ({ redis, a, b } = nodes));

const readers: EventStreamReader[] = [];
afterEach(() => {
  for (const reader of readers.splice(0)) reader.close();
});

const ROOMS = Array.from({ length: 50 }, (_, index) => `many-rooms-${String(index).padStart(2, '0')}`);

function open(kind: StreamKind, node: TestNode, rooms: readonly string[], cursor?: string): EventStreamReader {
  const reader = new EventStreamReader(kind, streamUrl(node.http, kind, rooms, { nick: 'roamer', cursor }));
  readers.push(reader);
  return reader;
}

/** Posts `count` messages over the rooms in turn; their `room offset:text`, in order. */
async function postOver(rooms: readonly string[], count: number, tag: string, node: TestNode): Promise<string[]> {
  const sent: string[] = [];
  for (let index = 0; index < count; index++) {
    const room = rooms[index % rooms.length] ?? '';
    const answer = await postMessage(node.http, room, { text: `${tag}-${index}`, nick: 'poster' });
    expect(answer.status).toBe(201);
    sent.push(`${room} ${answer.body.offset}:${tag}-${index}`);
  }
  return sent;
}

/** Every message a reader got (replayed in `joined` or live) as `room offset:text`. */
function received(reader: EventStreamReader): string[] {
  return reader.events.flatMap(({ event }) => {
    if (event.type === 'message') return [`${event.room} ${event.offset}:${event.text}`];
    if (event.type === 'joined') return event.messages.map((message) => `${event.room} ${message.offset}:${message.text}`);
    return [];
  });
}

/** The positions a reader stands at (what the plain cursor format would carry). */
function positionsOf(reader: EventStreamReader): Cursor {
  const positions: Cursor = new Map();
  for (const { event } of reader.events) if (event.type === 'joined' || event.type === 'message') positions.set(event.room, { epoch: event.epoch, offset: event.offset });
  return positions;
}

async function snapshotWrites(): Promise<number> {
  return parseCommandStats(await redis.client().info('commandstats')).get('set')?.calls ?? 0;
}

async function joinedAll(reader: EventStreamReader, rooms: readonly string[]): Promise<void> {
  for (const room of rooms) await reader.next((event) => event.type === 'joined' && event.room === room);
}

describe('stream cursors stay small whatever the number of rooms', () => {
  for (const kind of ['sse', 'xhr-stream', 'pushlet'] as const) {
    it(`${kind}: with 50 rooms every cursor is at most 256 bytes, and the last one resumes exactly on the other node`, async () => {
      const first = open(kind, a, ROOMS);
      await joinedAll(first, ROOMS);
      const writesBefore = await snapshotWrites();
      const live = await postOver(ROOMS, 150, `${kind}-live`, b);
      await first.next((event) => event.type === 'message' && event.text === `${kind}-live-149`);
      const cursors = first.events.flatMap((item) => (item.cursor === undefined ? [] : [item.cursor]));
      expect(cursors.length).toBeGreaterThanOrEqual(150 + ROOMS.length);
      expect(Math.max(...cursors.map((cursor) => Buffer.byteLength(cursor)))).toBeLessThanOrEqual(MAX_STREAM_CURSOR_LENGTH);
      expect(received(first).filter((line) => line.includes(`${kind}-live`))).toEqual(live);
      const writes = (await snapshotWrites()) - writesBefore;

      const cursor = first.lastCursor() ?? '';
      first.close();
      const missed = await postOver([...ROOMS].reverse(), 40, `${kind}-missed`, a);
      const second = open(kind, b, ROOMS, cursor);
      await joinedAll(second, ROOMS);
      await second.next((event) => (event.type === 'joined' && event.messages.some((message) => message.text === `${kind}-missed-39`)) || (event.type === 'message' && event.text === `${kind}-missed-39`));
      expect(received(second).sort()).toEqual([...missed].sort());

      console.log(JSON.stringify({ compactCursors: kind, rooms: ROOMS.length, plainCursorBytes: encodeCursor(positionsOf(first)).length, largestCursorBytes: Math.max(...cursors.map((c) => c.length)), positionedEvents: cursors.length, snapshotWrites: writes }));
    });
  }

  it('long-poll: a 50-room cursor stays at most 256 bytes and resumes exactly on the other node', async () => {
    const poller = new PollClient(ROOMS.join(','));
    await poller.pollOnce(a.http);
    expect(Buffer.byteLength(poller.cursor ?? '')).toBeLessThanOrEqual(MAX_STREAM_CURSOR_LENGTH);
    const sent = await postOver(ROOMS, 60, 'poll', b);
    const got: string[] = [];
    for (let round = 0; round < 20 && got.length < sent.length; round++) {
      const events = await poller.pollOnce(round % 2 === 0 ? b.http : a.http, 1);
      expect(Buffer.byteLength(poller.cursor ?? '')).toBeLessThanOrEqual(MAX_STREAM_CURSOR_LENGTH);
      for (const event of events) if (event.type === 'message') got.push(`${event.room} ${event.offset}:${event.text}`);
    }
    expect(got.sort()).toEqual([...sent].sort());
  });

  it('the plain cursor format of the previous release still resumes (SSE lastEventId and poll)', async () => {
    const rooms = ROOMS.slice(0, 30);
    const first = open('sse', a, rooms);
    await joinedAll(first, rooms);
    const positions = positionsOf(first);
    first.close();
    const missed = await postOver(rooms, 10, 'plain', b);
    const plain = encodeCursor(positions);
    expect(plain.length).toBeGreaterThan(MAX_STREAM_CURSOR_LENGTH);
    const second = open('sse', b, rooms, plain);
    await joinedAll(second, rooms);
    expect(received(second).filter((line) => line.includes(':plain-')).sort()).toEqual([...missed].sort());
    const poller = new PollClient(rooms.join(','));
    poller.cursor = plain;
    const events = await poller.pollOnce(a.http, 1);
    const polled = events.flatMap((event) => (event.type === 'message' ? [`${event.room} ${event.offset}:${event.text}`] : []));
    expect(polled.sort()).toEqual([...missed].sort());
    expect(Buffer.byteLength(poller.cursor)).toBeLessThanOrEqual(MAX_STREAM_CURSOR_LENGTH);
  });
});
