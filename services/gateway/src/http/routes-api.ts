import { ChatError, HISTORY_PAGE_DEFAULT, messageEvent, validateCid, validateNick, validateRoom, validateText } from '@chat/protocol';
import type { Context } from 'koa';
import type Router from '@koa/router';
import { ackKey, authorshipOfSend } from '@chat/core';
import type { Identity } from '../auth/identity.js';
import { admit } from '../admission.js';
import { routeParam } from './route-param.js';
import type { GatewayContext } from '../context.js';
import { readJsonBody } from './json-body.js';
import { KeyedBuckets } from './keyed-buckets.js';
import { presencePage } from './presence-page.js';
import type { ReadBudget } from './read-budget.js';

const MAX_PAGE = 1000;
const DEFAULT_PAGE = 100;

function parseInteger(value: unknown, name: string, min: number, max: number): number | undefined {
  // `?since=&limit=` (an empty value) means the parameter is not given, as an empty `nick` or `cursor`.
  if (value === undefined || value === '') return undefined;
  if (typeof value !== 'string' || !/^\d{1,15}$/.test(value)) throw new ChatError('bad_request', `${name} must be a whole number`);
  const number = Number(value);
  if (number < min || number > max) throw new ChatError('bad_request', `${name} must be between ${min} and ${max}`);
  return number;
}

/** The HTTP API: send, history and presence of a room. */
export function mountApiRoutes(router: Router, context: GatewayContext, reads: ReadBudget): () => void {
  const { broker, config, metrics } = context;
  /** The room of the URL, if the request passes admission (a read is still served while draining). */
  const authorizedRoom = async (ctx: Context, readOnly: boolean): Promise<{ room: string; nick: string | undefined; identity: Identity; ip: string }> => {
    const { identity, rooms, ip } = await admit(context, ctx.req, 'http', { readOnly, rooms: () => [validateRoom(routeParam(ctx, 'room'))] });
    return { room: rooms[0] ?? '', nick: identity.nick, identity, ip };
  };
  const postBuckets = new KeyedBuckets(() => context.newSendBucket());

  router.post('/rooms/:room/messages', async (ctx) => {
    const { room, nick: tokenNick, identity, ip } = await authorizedRoom(ctx, false);
    // An authenticated user's budget is shared across nodes; anonymous senders are limited per IP.
    const shared = context.sharedSendLimit(identity);
    const waitMs = shared ? await shared() : postBuckets.take(ip);
    if (waitMs > 0) {
      metrics.limitViolation('send_rate');
      throw new ChatError('rate_limited', 'too many messages; slow down', { retryAfterMs: waitMs });
    }
    const body = await readJsonBody(ctx, config.maxFrameBytes);
    const text = validateText(body.text, config.maxTextLength);
    const nick = tokenNick ?? (body.nick === undefined ? 'anonymous' : validateNick(body.nick));
    const cid = validateCid(body.cid);
    metrics.received.http += 1;
    // Who may edit or delete it later: the token's subject, else the holder of the returned key.
    const authorship = authorshipOfSend(identity.user, nick, body.key);
    const author = authorship.author === undefined ? {} : { author: authorship.author };
    const result = await context.publish(room, { nick, text, ...author, ...(cid === undefined ? {} : { cid }) });
    ctx.status = result.duplicate ? 200 : 201;
    ctx.body = { room, epoch: result.epoch, offset: result.offset, ts: result.ts, ...(cid === undefined ? {} : { cid }), duplicate: result.duplicate, ...ackKey(authorship, result.duplicate) };
  });

  router.get('/rooms/:room/messages', async (ctx) => {
    const { room, identity, ip } = await authorizedRoom(ctx, true);
    reads.spend(identity, ip);
    const since = parseInteger(ctx.query.since, 'since', 0, Number.MAX_SAFE_INTEGER);
    const before = parseInteger(ctx.query.before, 'before', 1, Number.MAX_SAFE_INTEGER);
    if (since !== undefined && before !== undefined) throw new ChatError('bad_request', 'give since or before, not both');
    // An older page (`before`) is as long as a `history` frame's by default.
    const limit = parseInteger(ctx.query.limit, 'limit', 1, MAX_PAGE) ?? (before === undefined ? DEFAULT_PAGE : HISTORY_PAGE_DEFAULT);
    // `since` replays every entry after it (edits and deletes too); a page (`before`, or the newest) is folded.
    const page = since === undefined ? await broker.historyPage(room, before === undefined ? { limit } : { before, limit }) : await broker.history(room, { after: since, limit });
    ctx.set('Cache-Control', 'no-store');
    ctx.type = 'application/json';
    ctx.body = JSON.stringify({
      room,
      epoch: page.epoch,
      offset: page.offset,
      messages: page.messages.map((message) => {
        const { room: _room, ...wire } = messageEvent(message);
        return since === undefined ? { ...wire, type: undefined } : wire;
      }),
    });
  });

  router.get('/rooms/:room/presence', async (ctx) => {
    const { room, identity, ip } = await authorizedRoom(ctx, true);
    reads.spend(identity, ip);
    const limit = parseInteger(ctx.query.limit, 'limit', 1, MAX_PAGE) ?? MAX_PAGE;
    const after = typeof ctx.query.after === 'string' && ctx.query.after !== '' ? ctx.query.after : undefined;
    const members = await broker.presenceList(room);
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { room, ...presencePage(members, limit, after) };
  });

  return () => postBuckets.stop();
}
