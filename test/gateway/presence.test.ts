import type { PresenceEvent } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import { eventually } from '@chat/testkit';
import { isPresence } from './helpers/frames.js';
import { useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { fetchJson, presence } from './helpers/http-client.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { Resources } from './helpers/resources.js';

const resources = new Resources();
let a: TestNode;
let b: TestNode;

useTwoNodes(resources, {}, (nodes) => ({ a, b } = nodes));

const nicksOf = (members: ReadonlyArray<{ nick: string }>): string[] => members.map((member) => member.nick).sort();

describe('presence across nodes', () => {
  it('members on different nodes see each other in joined.presence, presence events and GET presence; a close removes one', async () => {
    const room = 'presence-room';
    const alice = resources.track(await JsonWsClient.connect(a.ws, { nick: 'alice' }));
    const aliceJoined = await alice.join(room);
    expect(nicksOf(aliceJoined.presence)).toEqual(['alice']);

    const bob = resources.track(await JsonWsClient.connect(b.ws, { nick: 'bob' }));
    const bobJoined = await bob.join(room);
    expect(nicksOf(bobJoined.presence)).toEqual(['alice', 'bob']);
    const joinEvent = await alice.next((frame): frame is PresenceEvent => isPresence(frame, room) && frame.event === 'join' && frame.nick === 'bob');
    expect(joinEvent).toMatchObject({ room, event: 'join', nick: 'bob' });

    for (const node of [a, b]) {
      const list = await presence(node.http, room);
      expect(list.room).toBe(room);
      expect([...list.members].sort((x, y) => x.nick.localeCompare(y.nick))).toEqual([
        { nick: 'alice', node: 'node-a' },
        { nick: 'bob', node: 'node-b' },
      ]);
    }

    await bob.close();
    const leaveEvent = await alice.next((frame): frame is PresenceEvent => isPresence(frame, room) && frame.event === 'leave' && frame.nick === 'bob');
    expect(leaveEvent.nick).toBe('bob');
    for (const node of [a, b]) {
      await eventually(async () => nicksOf((await presence(node.http, room)).members).join() === 'alice', { what: `${node.id} presence without bob` });
    }
  });

  it('a nick change shows in presence on the other node', async () => {
    const room = 'presence-rename';
    const carol = resources.track(await JsonWsClient.connect(a.ws, { nick: 'carol' }));
    await carol.join(room);
    const watcher = resources.track(await JsonWsClient.connect(b.ws, { nick: 'watcher' }));
    await watcher.join(room);
    await carol.request({ type: 'nick', nick: 'caroline' }, (frame) => frame.type === 'nick');
    await eventually(async () => nicksOf((await presence(b.http, room)).members).join() === 'caroline,watcher', { what: 'renamed presence' });
  });

  it('a leave removes the member at once and the others hear it', async () => {
    const room = 'presence-leave';
    const dan = resources.track(await JsonWsClient.connect(b.ws, { nick: 'dan' }));
    const erin = resources.track(await JsonWsClient.connect(a.ws, { nick: 'erin' }));
    await dan.join(room);
    await erin.join(room);
    const left = await dan.request({ type: 'leave', room }, (frame) => frame.type === 'left');
    expect(left.room).toBe(room);
    await erin.next((frame): frame is PresenceEvent => isPresence(frame, room) && frame.event === 'leave' && frame.nick === 'dan');
    expect(nicksOf((await presence(a.http, room)).members)).toEqual(['erin']);
  });

  it('a long-poll client with a nick is present on every node while it polls', async () => {
    const room = 'presence-poll';
    const fay = resources.track(await JsonWsClient.connect(b.ws, { nick: 'fay' }));
    await fay.join(room);
    const answer = await fetchJson<{ events: Array<{ type: string; presence?: Array<{ nick: string }> }> }>(
      `${a.http}/poll?rooms=${room}&nick=gus`,
    );
    expect(answer.status).toBe(200);
    const joined = answer.body.events.find((event) => event.type === 'joined');
    expect(nicksOf(joined?.presence ?? [])).toEqual(['fay', 'gus']);
    await fay.next((frame): frame is PresenceEvent => isPresence(frame, room) && frame.event === 'join' && frame.nick === 'gus');
    expect(nicksOf((await presence(b.http, room)).members)).toEqual(['fay', 'gus']);
  });
});
