import { readFileSync } from 'node:fs';
import type { Cluster, Redis } from 'ioredis';

const luaDir = new URL('../../lua/', import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, luaDir), 'utf8');

/** Reply of publish.lua: epoch, offset, duplicate flag, stored payload of a duplicate. */
export type PublishReply = [epoch: string, offset: number, duplicate: 0 | 1, stored?: string];
/** Reply of read.lua: epoch, head offset, stored payloads oldest first. */
export type ReadReply = [epoch: string, offset: number, payloads: string[]];

/** Reply of amend.lua: as publish.lua's, or duplicate -1 with an error code (`not_found`, `forbidden`). */
export type AmendReply = [epoch: string, offset: number, outcome: 0 | 1 | -1, extra?: string];
/** Reply of history-page.lua: epoch, head offset, message payloads oldest first, latest amend of each ('' for none). */
export type PageReply = [epoch: string, offset: number, payloads: string[], folds: string[]];
/** Reply of read-mark.lua: epoch, head offset, read offset, unread count, moved flag. */
export type ReadMarkReply = [epoch: string, offset: number, read: number, unread: number, moved: 0 | 1];
/** Reply of read-states.lua: epoch, head offset, then read offset and unread count of each reader. */
export type ReadStatesReply = [epoch: string, offset: number, states: number[]];

export interface ChatScripts {
  chatAmend(meta: string, log: string, cid: string, folds: string, amends: string, ...args: Array<string | number>): Promise<AmendReply>;
  chatHistoryPage(meta: string, log: string, cid: string, folds: string, ...args: Array<string | number>): Promise<PageReply>;
  chatReadMark(meta: string, log: string, cid: string, reads: string, amends: string, ...args: Array<string | number>): Promise<ReadMarkReply>;
  chatReadStates(meta: string, log: string, cid: string, reads: string, amends: string, ...args: Array<string | number>): Promise<ReadStatesReply>;
  chatSignal(channel: string, payload: string, publish: string): Promise<number>;
  chatPresenceSummary(nodes: string, visits: string, visitData: string, ...args: Array<string | number>): Promise<[count: number, members: string[]]>;
  chatPublish(meta: string, log: string, cid: string, ...args: Array<string | number>): Promise<PublishReply>;
  /** publish-many.lua: the key count first (three per message); per message a reply or its error. */
  chatPublishMany(numberOfKeys: number, ...keysThenArgs: Array<string | number>): Promise<Array<PublishReply | Error>>;
  chatRead(meta: string, log: string, cid: string, ...args: Array<string | number>): Promise<ReadReply>;
  chatPresenceAdd(nodes: string, memberHash: string, ...args: Array<string | number>): Promise<number>;
  chatPresenceRemove(memberHash: string, visits: string, ...args: Array<string | number>): Promise<number>;
  chatPresenceVisit(visits: string, visitData: string, ...args: Array<string | number>): Promise<number>;
  chatPresenceRefresh(nodes: string, visits: string, visitData: string, ownHash: string, ...args: Array<string | number>): Promise<[left: number, ownMissing: 0 | 1]>;
  chatPresenceDrop(nodes: string, ownHash: string, ...args: Array<string | number>): Promise<number>;
  chatRoomKeep(...keysThenTtl: Array<string | number>): Promise<number>;
  chatRate(key: string, intervalMs: number, burst: number): Promise<number>;
}

/** How many keys hold a room's messages (RedisKeys.roomData): room-keep.lua takes them all. */
const ROOM_DATA_KEYS = 6;

/**
 * ARGV[1..3] of every script that includes room-init.lua: the epoch a new room gets, the room ttl
 * (0: keep forever), and whether a missing room is created ('1') or only read ('0').
 */
export function roomArguments(epochCandidate: string, roomTtlMs: number, create: boolean): [string, number, '1' | '0'] {
  return [epochCandidate, roomTtlMs, create ? '1' : '0'];
}

/**
 * The scripts a node sends as plain commands, not through ioredis's auto-pipeline. To one server
 * (or a Sentinel's primary): the publishes, which PublishBatcher already gathers per event-loop
 * turn, as a `Pipeline` object per turn costs more than the command when a turn holds one. On a
 * cluster only publish-many.lua, whose first argument is its key count (the auto-pipeline would
 * take it for the key that picks the slot); one publish.lua a room per turn stays pipelined per node.
 */
export const UNPIPELINED_SCRIPTS = {
  server: ['chatPublish', 'chatPublishMany'],
  cluster: ['chatPublishMany'],
} as const;

/** Registers the Lua scripts (sent by EVALSHA, re-sent after a Redis restart forgets them). */
export function defineChatScripts<T extends Redis | Cluster>(redis: T): T & ChatScripts {
  const roomInit = read('room-init.lua');
  const publishCore = `${roomInit}\n${read('publish-core.lua')}`;
  redis.defineCommand('chatPublish', { numberOfKeys: 3, lua: `${publishCore}\n${read('publish.lua')}` });
  redis.defineCommand('chatPublishMany', { lua: `${publishCore}\n${read('publish-many.lua')}` });
  redis.defineCommand('chatRead', { numberOfKeys: 3, lua: `${roomInit}\n${read('read.lua')}` });
  redis.defineCommand('chatPresenceAdd', { numberOfKeys: 2, lua: read('presence-add.lua') });
  redis.defineCommand('chatPresenceRemove', { numberOfKeys: 2, lua: read('presence-remove.lua') });
  redis.defineCommand('chatPresenceVisit', { numberOfKeys: 2, lua: read('presence-visit.lua') });
  redis.defineCommand('chatPresenceRefresh', { numberOfKeys: 4, lua: read('presence-refresh.lua') });
  redis.defineCommand('chatPresenceDrop', { numberOfKeys: 2, lua: read('presence-drop.lua') });
  redis.defineCommand('chatRoomKeep', { numberOfKeys: ROOM_DATA_KEYS, lua: read('room-keep.lua') });
  redis.defineCommand('chatRate', { numberOfKeys: 1, lua: read('rate.lua') });
  redis.defineCommand('chatAmend', { numberOfKeys: 5, lua: `${roomInit}\n${read('amend.lua')}` });
  redis.defineCommand('chatHistoryPage', { numberOfKeys: 4, lua: `${roomInit}\n${read('history-page.lua')}` });
  redis.defineCommand('chatReadMark', { numberOfKeys: 5, lua: `${roomInit}\n${read('read-mark.lua')}` });
  redis.defineCommand('chatReadStates', { numberOfKeys: 5, lua: `${roomInit}\n${read('read-states.lua')}` });
  redis.defineCommand('chatSignal', { numberOfKeys: 1, lua: read('signal.lua') });
  redis.defineCommand('chatPresenceSummary', { numberOfKeys: 3, lua: read('presence-summary.lua') });
  return redis as T & ChatScripts;
}
