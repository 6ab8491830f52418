import { RedisBroker, RoomHub, type HubDelivery, type HubMember } from '@chat/core';
import type { JoinedEvent, PresenceEvent } from '@chat/protocol';
import { startRedisServer, type RedisServer } from '@chat/testkit';
import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseCommandStats } from '../../services/loadgen/src/checks/redis-commandstats.js';

const MEMBERS = 100;

/** Times Redis ran a command (INFO commandstats; commands inside scripts count too). */
async function callsOf(admin: Redis, command: string): Promise<number> {
  return parseCommandStats(await admin.info('commandstats')).get(command)?.calls ?? 0;
}

/** A local connection that keeps what it was told. */
function member(id: number): HubMember & { readonly presence: PresenceEvent[] } {
  const presence: PresenceEvent[] = [];
  return {
    id: `c${id}`,
    nick: `n${id}`,
    presence,
    deliver(delivery: HubDelivery): void {
      if (delivery.kind === 'presence') presence.push(delivery.event);
    },
  };
}

describe('a join storm', () => {
  let server: RedisServer;
  let admin: Redis;
  let broker: RedisBroker;

  beforeAll(async () => {
    server = await startRedisServer();
    admin = server.client();
    broker = new RedisBroker({ url: server.url, nodeId: 'storm', historySize: 100, presenceTtlMs: 15_000 });
    await broker.start();
  });
  afterAll(async () => {
    await broker.stop();
    await server.stop();
  });

  it('announces the joiners and reads the member list, the first page and their read positions in a few calls, not once per joiner, and every joiner still sees itself, the members before it, the newest messages and its own read position', async () => {
    const hub = new RoomHub(broker, { nodeId: 'storm', firstPageSize: 50, maxResume: 1000 });
    const members = Array.from({ length: MEMBERS }, (_, index) => member(index));
    for (let index = 1; index <= 3; index += 1) await broker.publish('storm-room', { nick: 'before', text: `m${index}` });
    // Every tenth member has read up to the second message.
    for (const index of members.keys()) if (index % 10 === 0) await broker.markRead('storm-room', `n${index}`, 2);
    const [listsBefore, pagesBefore, addsBefore, readsBefore] = [await callsOf(admin, 'hvals'), await callsOf(admin, 'xrevrange'), await callsOf(admin, 'pexpire'), await callsOf(admin, 'zscore')];

    const joined: JoinedEvent[] = await Promise.all(members.map((each) => hub.join('storm-room', each, { announce: true, reader: each.nick })));

    const lists = (await callsOf(admin, 'hvals')) - listsBefore;
    const pages = (await callsOf(admin, 'xrevrange')) - pagesBefore;
    // presence-add.lua renews the node's member hash and lease with two PEXPIREs a call.
    const addCalls = ((await callsOf(admin, 'pexpire')) - addsBefore) / 2;
    // read-states.lua asks once a call whether the room has edits or deletes to discount.
    const readCalls = (await callsOf(admin, 'zscore')) - readsBefore;
    expect(lists).toBeGreaterThan(0);
    expect(lists).toBeLessThanOrEqual(MEMBERS / 10);
    expect(pages).toBeGreaterThan(0);
    expect(pages).toBeLessThanOrEqual(MEMBERS / 10);
    console.log(`join storm of ${MEMBERS}: ${lists} member-list reads, ${pages} first-page reads, ${addCalls} presence-add calls, ${readCalls} read-state calls`);
    expect(readCalls).toBeGreaterThan(0);
    expect(readCalls).toBeLessThanOrEqual(MEMBERS / 10);
    for (const [index, event] of joined.entries()) expect([event.read, event.unread]).toEqual(index % 10 === 0 ? [2, 1] : [0, 3]);
    expect(addCalls).toBeGreaterThan(0);
    expect(addCalls).toBeLessThanOrEqual(MEMBERS / 10);
    for (const event of joined) expect(event.messages.map((message) => message.text)).toEqual(['m1', 'm2', 'm3']);
    for (const [index, event] of joined.entries()) expect(event.presence.map((entry) => entry.nick)).toContain(`n${index}`);
    // Whoever a joiner's list missed joined after its read: that join reached it as an event.
    const unseenBy = (index: number): string[] => {
      const seen = new Set([...joined[index]!.presence.map((entry) => entry.nick), ...members[index]!.presence.map((notice) => notice.nick)]);
      return members.map((other) => other.nick).filter((nick) => !seen.has(nick));
    };
    for (const index of members.keys()) await expect.poll(() => unseenBy(index)).toEqual([]);
    const late = member(MEMBERS);
    const lateJoined = await hub.join('storm-room', late, { announce: true });
    expect(lateJoined.occupancy).toBe(MEMBERS + 1);
    await Promise.all([...members, late].map((each) => hub.leave('storm-room', each)));
  }, 30_000);

  it('a member removed before its batched add was sent is not left present', async () => {
    const ghost = { id: 'storm:ghost', nick: 'ghost', node: 'storm' };
    await Promise.all([broker.presenceAdd('ghost-room', ghost), broker.presenceRemove('ghost-room', ghost.id)]);
    // Another add of the room goes out after anything the first one could have left queued.
    await broker.presenceAdd('ghost-room', { id: 'storm:other', nick: 'other', node: 'storm' });
    const summary = await broker.presenceSummary('ghost-room', 10);
    expect(summary.members.map((member) => member.nick)).toEqual(['other']);
  });
});
