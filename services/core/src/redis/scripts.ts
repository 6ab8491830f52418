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

export interface ChatScripts {
  chatAmend(meta: string, log: string, cid: string, folds: string, amends: string, ...args: Array<string | number>): Promise<AmendReply>;
  chatHistoryPage(meta: string, log: string, cid: string, folds: string, ...args: Array<string | number>): Promise<PageReply>;
  chatReadMark(meta: string, log: string, cid: string, reads: string, amends: string, ...args: Array<string | number>): Promise<ReadMarkReply>;
  chatSignal(channel: string, payload: string, publish: string): Promise<number>;
  chatPresenceSummary(zset: string, data: string, ...args: Array<string | number>): Promise<[count: number, members: string[]]>;
  chatPublish(meta: string, log: string, cid: string, ...args: Array<string | number>): Promise<PublishReply>;
  chatRead(meta: string, log: string, cid: string, ...args: Array<string | number>): Promise<ReadReply>;
  chatPresenceAdd(zset: string, data: string, ...args: Array<string | number>): Promise<number>;
  chatPresenceRemove(zset: string, data: string, ...args: Array<string | number>): Promise<number>;
  chatPresenceSweep(zset: string, data: string, ...args: Array<string | number>): Promise<string[]>;
  chatRate(key: string, intervalMs: number, burst: number): Promise<number>;
}

/** Registers the Lua scripts (sent by EVALSHA, re-sent after a Redis restart forgets them). */
export function defineChatScripts<T extends Redis | Cluster>(redis: T): T & ChatScripts {
  const roomInit = read('room-init.lua');
  redis.defineCommand('chatPublish', { numberOfKeys: 3, lua: `${roomInit}\n${read('publish.lua')}` });
  redis.defineCommand('chatRead', { numberOfKeys: 3, lua: `${roomInit}\n${read('read.lua')}` });
  redis.defineCommand('chatPresenceAdd', { numberOfKeys: 2, lua: read('presence-add.lua') });
  redis.defineCommand('chatPresenceRemove', { numberOfKeys: 2, lua: read('presence-remove.lua') });
  redis.defineCommand('chatPresenceSweep', { numberOfKeys: 2, lua: read('presence-sweep.lua') });
  redis.defineCommand('chatRate', { numberOfKeys: 1, lua: read('rate.lua') });
  redis.defineCommand('chatAmend', { numberOfKeys: 5, lua: `${roomInit}\n${read('amend.lua')}` });
  redis.defineCommand('chatHistoryPage', { numberOfKeys: 4, lua: `${roomInit}\n${read('history-page.lua')}` });
  redis.defineCommand('chatReadMark', { numberOfKeys: 5, lua: `${roomInit}\n${read('read-mark.lua')}` });
  redis.defineCommand('chatSignal', { numberOfKeys: 1, lua: read('signal.lua') });
  redis.defineCommand('chatPresenceSummary', { numberOfKeys: 2, lua: read('presence-summary.lua') });
  return redis as T & ChatScripts;
}
