import { requesterOf, TokenBucket, type PublishResult } from '@chat/core';
import { ChatError, validateCid, validateNick, validateOffset, validateRoom, validateText } from '@chat/protocol';
import type Router from '@koa/router';
import type { Context } from 'koa';
import type { Identity } from '../auth/identity.js';
import { admit } from '../admission.js';
import type { GatewayContext } from '../context.js';
import { readJsonBody } from './json-body.js';
import { KeyedBuckets } from './keyed-buckets.js';
import type { ReadBudget } from './read-budget.js';
import { routeParam } from './route-param.js';

/** Who an HTTP call speaks for: the token's nick and subject, else the nick it gives (required). */
interface Caller {
  readonly room: string;
  readonly identity: Identity;
  readonly ip: string;
  readonly nick: string;
  /** Token subject, else the nick: whose read position, whose messages. */
  readonly reader: string;
}

/** A body is optional on DELETE and typing; when there is one it must be a JSON object. */
async function optionalBody(ctx: Context, limit: number): Promise<Record<string, unknown>> {
  const declared = ctx.get('content-length');
  const chunked = ctx.get('transfer-encoding') !== '';
  if ((declared === '' || declared === '0') && !chunked) return {};
  return readJsonBody(ctx, limit);
}

function callerNick(identity: Identity, body: Record<string, unknown>, query: unknown): string {
  if (identity.nick !== undefined) return identity.nick;
  const given = body.nick ?? (typeof query === 'string' && query !== '' ? query : undefined);
  if (given === undefined) throw new ChatError('invalid_nick', 'say who you are: give a nick (or use a token)');
  return validateNick(given);
}

/** `POST /rooms/:room/typing`, `POST /rooms/:room/read`, `PATCH`/`DELETE /rooms/:room/messages/:offset`. */
export function mountChatFeatureRoutes(router: Router, context: GatewayContext, reads: ReadBudget): () => void {
  const { config, actions } = context;
  const typingBuckets = new KeyedBuckets(() => new TokenBucket(1, 1));
  const changeBuckets = new KeyedBuckets(() => context.newSendBucket());

  /** Admission first (401/403 before any body problem), then the body, then who is calling. */
  const caller = async (ctx: Context, readBody: (ctx: Context, limit: number) => Promise<Record<string, unknown>>): Promise<Caller & { body: Record<string, unknown> }> => {
    const { identity, rooms, ip } = await admit(context, ctx.req, 'http', { rooms: () => [validateRoom(routeParam(ctx, 'room'))] });
    const body = await readBody(ctx, config.maxFrameBytes);
    const nick = callerNick(identity, body, ctx.query.nick);
    return { room: rooms[0] ?? '', identity, ip, nick, reader: identity.user ?? nick, body };
  };

  router.post('/rooms/:room/typing', async (ctx) => {
    const { room, identity, ip, nick } = await caller(ctx, optionalBody);
    // At most one a second per caller (user, else address: never a nick the caller picks) and room; extras are dropped silently.
    if (typingBuckets.take(`${identity.user ?? ip}/${room}`) === 0) await actions.typing(room, nick);
    ctx.status = 204;
  });

  router.post('/rooms/:room/read', async (ctx) => {
    const { room, identity, ip, nick, reader, body } = await caller(ctx, readJsonBody);
    const offset = validateOffset(body.offset, 'offset', 0);
    reads.spend(identity, ip);
    const state = await actions.read(room, reader, nick, offset);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { room, epoch: state.epoch, offset: state.offset, read: state.read, unread: state.unread };
  });

  const amend = async (ctx: Context, kind: 'edit' | 'delete'): Promise<void> => {
    const { room, identity, ip, nick, body } = await caller(ctx, kind === 'edit' ? readJsonBody : optionalBody);
    const offset = routeParam(ctx, 'offset') ?? '';
    if (!/^\d{1,15}$/.test(offset)) throw new ChatError('bad_request', 'offset must be a whole number');
    const target = validateOffset(Number(offset), 'offset');
    const text = kind === 'edit' ? validateText(body.text, config.maxTextLength) : '';
    const cid = validateCid(body.cid);
    const requester = requesterOf(identity.user, body.key ?? (typeof ctx.query.key === 'string' ? ctx.query.key : undefined));
    const shared = context.sharedSendLimit(identity);
    const waitMs = shared ? await shared() : changeBuckets.take(ip);
    if (waitMs > 0) throw new ChatError('rate_limited', 'too many changes; slow down', { retryAfterMs: waitMs });
    const result: PublishResult = await actions.amend(room, {
      kind,
      target,
      nick,
      text,
      requester,
      moderator: identity.mod === true,
      ...(cid === undefined ? {} : { cid }),
    });
    ctx.status = result.duplicate ? 200 : 201;
    ctx.body = { room, epoch: result.epoch, offset: result.offset, target, ts: result.ts, ...(cid === undefined ? {} : { cid }), duplicate: result.duplicate };
  };
  router.patch('/rooms/:room/messages/:offset', (ctx) => amend(ctx, 'edit'));
  router.delete('/rooms/:room/messages/:offset', (ctx) => amend(ctx, 'delete'));

  return () => {
    typingBuckets.stop();
    changeBuckets.stop();
  };
}
