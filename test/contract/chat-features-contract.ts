import { expect, it } from 'vitest';
import type { Broker, RoomMessage, RoomListener, RoomSignal } from '@chat/core';
import { ChatError } from '@chat/protocol';
import { Collector } from '@chat/testkit';
import { roomsOf } from './room-layer.js';

class FeatureListener implements RoomListener {
  readonly entries = new Collector<RoomMessage>();
  readonly signals = new Collector<RoomSignal>();
  onMessage = (message: RoomMessage): void => this.entries.push(message);
  onSignal = (signal: RoomSignal): void => this.signals.push(signal);
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof ChatError) return error.code;
    throw error;
  }
  return 'accepted';
}

const edit = (target: number, requester: string, text: string, extra: { cid?: string; moderator?: boolean } = {}) =>
  ({ kind: 'edit' as const, target, nick: requester, text, requester, moderator: extra.moderator ?? false, ...(extra.cid ? { cid: extra.cid } : {}) });
const remove = (target: number, requester: string, moderator = false) => ({ kind: 'delete' as const, target, nick: requester, text: '', requester, moderator });

/** Edit and delete, history pages, read positions and signals: part of the one broker contract. */
export function describeChatFeatureContract(node: (id: string) => Promise<Broker>, freshRoom: (label: string) => string): void {
  it('stores an edit and a delete as new entries with their own offsets, delivered in order with their target', async () => {
    const [a, b] = await Promise.all([node('a'), node('b')]);
    const room = freshRoom('amend');
    const listener = new FeatureListener();
    await roomsOf(b).listen(room, listener);
    await a.publish(room, { nick: 'ann', text: 'one' });
    await a.publish(room, { nick: 'bob', text: 'two', author: 'user-bob' });
    const edited = await a.amend(room, edit(2, 'user-bob', 'two, fixed', { cid: 'e1' }));
    expect(edited).toMatchObject({ offset: 3, duplicate: false });
    expect(await a.amend(room, edit(2, 'user-bob', 'two, fixed', { cid: 'e1' }))).toMatchObject({ offset: 3, duplicate: true });
    expect((await b.amend(room, remove(1, 'ann'))).offset).toBe(4);
    await listener.entries.waitForCount(4);
    expect(listener.entries.items.map(({ offset, kind, target, text }) => ({ offset, kind, target, text }))).toEqual([
      { offset: 1, kind: undefined, target: undefined, text: 'one' },
      { offset: 2, kind: undefined, target: undefined, text: 'two' },
      { offset: 3, kind: 'edit', target: 2, text: 'two, fixed' },
      { offset: 4, kind: 'delete', target: 1, text: '' },
    ]);
    const replay = await b.history(room, { after: 2, limit: 10 });
    expect(replay.messages.map(({ offset, kind, target }) => ({ offset, kind, target }))).toEqual([
      { offset: 3, kind: 'edit', target: 2 },
      { offset: 4, kind: 'delete', target: 1 },
    ]);
  });

  it('lets only the author (or a moderator) change a message, and refuses what is not a live message', async () => {
    const broker = await node('a');
    const room = freshRoom('rights');
    await broker.publish(room, { nick: 'ann', text: 'mine' });
    await broker.publish(room, { nick: 'nick-cat', text: 'token user', author: 'sub-cat' });
    expect(await refusal(broker.amend(room, edit(1, 'bob', 'not yours')))).toBe('forbidden');
    expect(await refusal(broker.amend(room, edit(2, 'nick-cat', 'same nick, other user')))).toBe('forbidden');
    expect(await refusal(broker.amend(room, edit(99, 'ann', 'nowhere')))).toBe('not_found');
    expect((await broker.amend(room, edit(1, 'mod', 'moderated', { moderator: true }))).offset).toBe(3);
    expect(await refusal(broker.amend(room, edit(3, 'mod', 'an edit is not a message', { moderator: true })))).toBe('not_found');
    expect((await broker.amend(room, remove(2, 'sub-cat'))).offset).toBe(4);
    expect(await refusal(broker.amend(room, edit(2, 'sub-cat', 'after delete')))).toBe('not_found');
    expect(await refusal(broker.amend(room, remove(2, 'sub-cat')))).toBe('not_found');
  });

  it('pages history back from the newest message to the first, folded, each message exactly once', async () => {
    const broker = await node('a');
    const room = freshRoom('pages');
    for (let i = 1; i <= 30; i++) {
      const { offset } = await broker.publish(room, { nick: 'ann', text: `m${i}` });
      if (i % 7 === 0) await broker.amend(room, edit(offset, 'ann', `m${i} (v2)`));
    }
    await broker.amend(room, remove(3, 'ann'));
    const seen: RoomMessage[] = [];
    let before: number | undefined;
    for (let pages = 0; pages < 20; pages++) {
      const page = await broker.historyPage(room, before === undefined ? { limit: 7 } : { before, limit: 7 });
      if (page.messages.length === 0) break;
      expect(page.messages.every((message) => message.kind === undefined)).toBe(true);
      seen.unshift(...page.messages);
      before = page.messages[0]!.offset;
    }
    expect(seen.map((message) => message.text.replace(/ \(v2\)$/, ''))).toEqual(
      Array.from({ length: 30 }, (_, i) => (i + 1 === 3 ? '' : `m${i + 1}`)),
    );
    expect(new Set(seen.map((message) => message.offset)).size).toBe(30);
    const seventh = seen.find((message) => message.text === 'm7 (v2)');
    expect(seventh).toMatchObject({ edited: true });
    expect(seen.find((message) => message.deleted)).toMatchObject({ text: '', nick: 'ann' });
    expect((await broker.historyPage(room, { before: 1, limit: 10 })).messages).toEqual([]);
  });

  it('keeps a reader\'s position on every node, never moving it backwards, and counts the messages after it', async () => {
    const [a, b] = await Promise.all([node('a'), node('b')]);
    const room = freshRoom('reads');
    for (let i = 1; i <= 6; i++) await a.publish(room, { nick: 'ann', text: `m${i}` });
    await a.amend(room, edit(6, 'ann', 'm6 edited'));
    expect(await b.readState(room, 'reader')).toMatchObject({ read: 0, unread: 6, offset: 7 });
    expect(await a.markRead(room, 'reader', 4)).toMatchObject({ read: 4, unread: 2, moved: true });
    expect(await b.markRead(room, 'reader', 2)).toMatchObject({ read: 4, unread: 2, moved: false });
    expect(await b.markRead(room, 'reader', 500)).toMatchObject({ read: 7, unread: 0, moved: true });
    expect(await a.readState(room, 'reader')).toMatchObject({ read: 7, unread: 0 });
    expect(await a.readState(room, 'someone-else')).toMatchObject({ read: 0, unread: 6 });
    // Counted without reading the messages: those trimmed from history still count as unread.
    const long = freshRoom('reads-long');
    for (let i = 1; i <= 60; i++) await a.publish(long, { nick: 'ann', text: `m${i}` });
    await a.amend(long, edit(60, 'ann', 'm60 edited'));
    expect(await b.readState(long, 'reader')).toMatchObject({ read: 0, unread: 60, offset: 61 });
    expect(await b.markRead(long, 'reader', 59)).toMatchObject({ read: 59, unread: 1 });
  });

  it('summarises presence: the count, and every member of a small room but only a page of a big one', async () => {
    const [a, b] = await Promise.all([node('a'), node('b')]);
    const room = freshRoom('summary');
    for (let i = 1; i <= 5; i++) await a.presenceTouch(room, { id: `m${i}`, nick: `nick-${i}`, node: 'a', ...(i === 1 ? { user: 'sub-1' } : {}) }, 60_000);
    const all = await b.presenceSummary(room, 10);
    expect(all.count).toBe(5);
    expect(all.members.map((member) => member.nick).sort()).toEqual(['nick-1', 'nick-2', 'nick-3', 'nick-4', 'nick-5']);
    expect(all.members.find((member) => member.nick === 'nick-1')?.user).toBe('sub-1');
    const page = await b.presenceSummary(room, 3);
    expect(page.count).toBe(5);
    expect(page.members).toHaveLength(3);
  });

  it('relays a signal to listeners on other nodes without storing it', async () => {
    const [a, b] = await Promise.all([node('a'), node('b')]);
    const room = freshRoom('signal');
    const listener = new FeatureListener();
    await roomsOf(b).listen(room, listener);
    await a.signal(room, { type: 'typing', room, nick: 'ann' });
    await a.signal(room, { type: 'read', room, nick: 'ann', offset: 0 });
    await listener.signals.waitForCount(2);
    expect(listener.signals.items).toEqual([
      { type: 'typing', room, nick: 'ann' },
      { type: 'read', room, nick: 'ann', offset: 0 },
    ]);
    const page = await a.history(room, { limit: 10 });
    expect(page.messages).toEqual([]);
    expect(page.offset).toBe(0);
  });
}
