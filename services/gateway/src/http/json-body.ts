import { ChatError } from '@chat/protocol';
import type { Context } from 'koa';
import { utf8Text } from '../utf8.js';

/**
 * Reads a JSON object body of at most `limit` bytes; every problem is a clear ChatError. A browser
 * (its request has an Origin) must say `application/json`: a page of another site cannot send that
 * without a CORS preflight. A client without Origin (curl, a server) is taken at its word whatever
 * type it names, so `curl -d '{"text":"hi"}'` (form-urlencoded) works.
 */
export async function readJsonBody(ctx: Context, limit: number): Promise<Record<string, unknown>> {
  if (ctx.get('origin') !== '' && !ctx.is('application/json')) throw new ChatError('bad_request', 'send the body as application/json');
  const declared = Number(ctx.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw new ChatError('frame_too_big', `body is larger than ${limit} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      // Answer 413 and close; the rest of the body is not read.
      ctx.set('Connection', 'close');
      throw new ChatError('frame_too_big', `body is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  const text = utf8Text(Buffer.concat(chunks));
  if (text === undefined) throw new ChatError('bad_request', 'body is not valid UTF-8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new ChatError('bad_json', 'body is not valid JSON');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ChatError('bad_json', 'body must be a JSON object');
  return value as Record<string, unknown>;
}
