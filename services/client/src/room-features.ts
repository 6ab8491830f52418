import { isErrorCode, isOffset, isRecord, isString, parseChatMessage, type ChatMessage } from '@chat/protocol';
import { requestHeaders, type Endpoints } from './endpoints.js';
import type { FetchFunction } from './platform.js';

/** A refused or failed feature call: the server's error code (or `unavailable` when unreachable). */
export class FeatureError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'FeatureError';
  }
}

/** Where an edit or delete was stored: its own entry in the room's stream. */
export interface ChangeAck {
  readonly room: string;
  readonly epoch: string;
  readonly offset: number;
  readonly target: number;
}

/** This reader's stored position in a room and the messages after it. */
export interface ReadPosition {
  readonly room: string;
  readonly read: number;
  readonly unread: number;
}

/** Older messages of a room, folded to their latest version, oldest first. */
export interface OlderPage {
  readonly room: string;
  readonly epoch: string;
  readonly messages: readonly ChatMessage[];
}

const TYPING_EVERY_MS = 1000;
/** Author keys kept for this many of the client's own latest messages (the oldest are forgotten). */
const KEYS_KEPT = 1000;

/**
 * The chat features as HTTP calls, the same on every transport (the server relays what follows
 * as events on the client's stream): typing, read positions, edit and delete, older history.
 */
export class RoomFeatures {
  private readonly typingAt = new Map<string, number>();
  /** `room/offset` → the author key its send carried: without auth, the proof an edit or delete needs. */
  private readonly authorKeys = new Map<string, string>();

  private readonly endpointsNow: () => Endpoints;

  /** `endpoints`: fixed, or read at each call (the client's token can change). */
  constructor(
    endpoints: Endpoints | (() => Endpoints),
    private readonly fetch: FetchFunction,
    private readonly nick: () => string,
  ) {
    this.endpointsNow = typeof endpoints === 'function' ? endpoints : () => endpoints;
  }

  private get endpoints(): Endpoints {
    return this.endpointsNow();
  }

  /** Tells the others you are typing; at most once a second per room (extra calls do nothing). */
  async typing(room: string): Promise<void> {
    const now = Date.now();
    if (now - (this.typingAt.get(room) ?? 0) < TYPING_EVERY_MS) return;
    this.typingAt.set(room, now);
    await this.request('POST', `/rooms/${encodeURIComponent(room)}/typing`, this.withNick({})).catch(() => undefined);
  }

  /** Stores that you have read up to `offset` (never backwards). */
  async markRead(room: string, offset: number): Promise<ReadPosition> {
    const body = await this.request('POST', `/rooms/${encodeURIComponent(room)}/read`, this.withNick({ offset }));
    const { read, unread } = body;
    if (!isOffset(read) || !isOffset(unread)) throw new FeatureError('internal', 'unexpected answer');
    return { room, read, unread };
  }

  edit(room: string, offset: number, text: string): Promise<ChangeAck> {
    return this.change('PATCH', room, offset, { text });
  }

  remove(room: string, offset: number): Promise<ChangeAck> {
    return this.change('DELETE', room, offset, {});
  }

  /** Keeps the author key of one of this client's messages (the client calls it on each ack). */
  rememberKey(room: string, offset: number, key: string): void {
    this.authorKeys.set(`${room}/${offset}`, key);
    if (this.authorKeys.size > KEYS_KEPT) this.authorKeys.delete(this.authorKeys.keys().next().value ?? '');
  }

  /** Up to `limit` messages before `before`, oldest first; an empty page means the start of history. */
  async older(room: string, before: number, limit = 50): Promise<OlderPage> {
    const body = await this.request('GET', `/rooms/${encodeURIComponent(room)}/messages?before=${before}&limit=${limit}`);
    const { epoch, messages } = body;
    if (!isString(epoch) || !Array.isArray(messages)) throw new FeatureError('internal', 'unexpected answer');
    const parsed = messages.map((item) => parseChatMessage(item, room)).filter((message): message is ChatMessage => message !== undefined);
    return { room, epoch, messages: parsed };
  }

  private async change(method: 'PATCH' | 'DELETE', room: string, offset: number, body: Record<string, unknown>): Promise<ChangeAck> {
    const key = this.authorKeys.get(`${room}/${offset}`);
    const answer = await this.request(method, `/rooms/${encodeURIComponent(room)}/messages/${offset}`, this.withNick(key === undefined ? body : { ...body, key }));
    if (!isString(answer.epoch) || !isOffset(answer.offset)) throw new FeatureError('internal', 'unexpected answer');
    return { room, epoch: answer.epoch, offset: answer.offset, target: offset };
  }

  private withNick(body: Record<string, unknown>): Record<string, unknown> {
    const nick = this.nick();
    return this.endpoints.token === undefined && nick !== '' ? { ...body, nick } : body;
  }

  private async request(method: string, path: string, body?: Record<string, unknown>): Promise<Record<string, unknown>> {
    let response: Response;
    try {
      response = await this.fetch(`${this.endpoints.httpBase}${path}`, {
        method,
        headers: requestHeaders(this.endpoints, body !== undefined),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        cache: 'no-store',
      });
    } catch {
      throw new FeatureError('unavailable', 'the server cannot be reached');
    }
    if (response.status === 204) return {};
    const value: unknown = await response.json().catch(() => undefined);
    if (response.ok && isRecord(value)) return value;
    const error = isRecord(value) && isRecord(value.error) ? value.error : {};
    const code = isErrorCode(error.code) ? error.code : 'internal';
    throw new FeatureError(code, isString(error.message) ? error.message : `the server answered ${response.status}`);
  }
}
