import { describe, expect, it } from 'vitest';
import type { ServerEvent } from '@chat/protocol';
import { isAck, isMessage } from './helpers/frames.js';
import { useTwoNodes, type TestNode } from './helpers/gateway-nodes.js';
import { JsonWsClient } from './helpers/json-ws-client.js';
import { Resources } from './helpers/resources.js';

const resources = new Resources();
let a: TestNode;
let b: TestNode;

useTwoNodes(resources, {}, (nodes) => ({ a, b } = nodes));

/** The position of the frame that follows the sender's own copy of the message at `offset`. */
function frameAfterOwnMessage(frames: readonly ServerEvent[], room: string, offset: number): ServerEvent | undefined {
  const at = frames.findIndex((frame) => isMessage(frame, room) && frame.offset === offset);
  return at < 0 ? undefined : frames[at + 1];
}

describe('the ack of a send leaves with the sender’s own copy of the message (issue 23)', () => {
  it('a sender in the room gets each ack right after its own message, and every member gets every message', async () => {
    const room = 'ack-rides-along';
    const sender = resources.track(await JsonWsClient.connect(a.ws, { nick: 'sender' }));
    const far = resources.track(await JsonWsClient.connect(b.ws, { nick: 'far' }));
    await far.join(room);
    await sender.join(room);
    const acks = [];
    for (let i = 0; i < 20; i++) acks.push(await sender.say(room, `hello ${i}`, `c${i}`));
    await far.waitForMessages(room, 20);
    await sender.waitForMessages(room, 20);
    const frames = sender.frames.items;
    for (const ack of acks) {
      expect(ack.duplicate).toBe(false);
      expect(frameAfterOwnMessage(frames, room, ack.offset)).toMatchObject({ type: 'ack', offset: ack.offset, cid: ack.cid });
    }
  });

  it('acks that have no message to wait for come at once: a room not joined, a repeated cid', async () => {
    const room = 'ack-alone';
    const sender = resources.track(await JsonWsClient.connect(a.ws, { nick: 'outsider' }));
    const member = resources.track(await JsonWsClient.connect(a.ws, { nick: 'member' }));
    await member.join(room);
    const first = await sender.say(room, 'from outside', 'same-cid');
    await member.waitForMessage(room, 'from outside');
    expect(sender.frames.items.filter((frame) => isMessage(frame))).toEqual([]);
    await sender.join(room);
    const again = await sender.say(room, 'from outside', 'same-cid');
    // The duplicate's message was written before this client joined: the ack is not held for it.
    expect(again).toMatchObject({ duplicate: true, offset: first.offset });
    expect(sender.frames.items.filter(isAck)).toHaveLength(2);
  });
});
