import fc from 'fast-check';
import { anyString, cursorLike, jsonValue, pctEncode, roomList, roomLike, urlValue, validRoom } from './arbitraries.js';
import type { FuzzRequest } from './drivers.js';

const headerSafe = fc.string({ unit: 'binary-ascii', maxLength: 60 }).map((text) => text.replace(/[^\x20-\x7e]/g, ''));

/** `key=value&…` from known keys, junk keys, repeats and bare keys. */
function queryOf(known: Record<string, fc.Arbitrary<string>>): fc.Arbitrary<string> {
  const pair = fc.oneof(
    ...Object.entries(known).map(([key, value]) => value.map((encoded) => `${key}=${encoded}`)),
    fc.tuple(urlValue, urlValue).map(([key, value]) => `${key}=${value}`),
    fc.constantFrom(...Object.keys(known)),
  );
  return fc.array(pair, { maxLength: 5 }).map((pairs) => pairs.join('&'));
}

const encodedRoomList = roomList.map((rooms) => rooms.split(',').map((room) => encodeURIComponentOr(room)).join(','));

function encodeURIComponentOr(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return pctEncode(text);
  }
}

/** `/sse` with junk query strings and Last-Event-ID headers. */
export const sseRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    query: queryOf({ rooms: encodedRoomList, nick: urlValue, lastEventId: fc.oneof(cursorLike.map(encodeURIComponentOr), urlValue), token: urlValue }),
    lastEventId: fc.option(fc.oneof(cursorLike.map((cursor) => cursor.replace(/[^\x20-\x7e]/g, '')), headerSafe), { nil: undefined }),
  })
  .map(({ query, lastEventId }) => ({
    path: `/sse?${query}`,
    headers: lastEventId === undefined ? {} : { 'last-event-id': lastEventId },
    until: sseComplete,
  }));

/** An SSE answer is complete for the fuzzer once every room's `joined` (or an error) arrived. */
function sseComplete(body: string): boolean {
  if (/event: error\n/.test(body)) return /event: error\ndata: [^\n]*\n\n/.test(body);
  const welcome = /event: welcome\n/.test(body);
  return welcome && /event: joined\n(id: [^\n]*\n)?data: [^\n]*\n\n(?![\s\S]*event: joined)/.test(body) && body.endsWith('\n\n');
}

/** Poll timeouts that never make a request wait: junk, or 0. */
const safeTimeout = fc.oneof(fc.constantFrom('0', '0.0', '00', '-1', '1e3', 'NaN', '', '0x10'), urlValue.filter((value) => !/^\d+(\.\d+)?$/.test(value) || Number(value) === 0));

/** `/poll` with junk rooms and cursors; a cursor always comes with a timeout that does not wait. */
export const pollRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    rooms: fc.option(encodedRoomList, { nil: undefined }),
    cursor: fc.option(fc.oneof(cursorLike.map(encodeURIComponentOr), urlValue), { nil: undefined }),
    timeout: safeTimeout,
    extra: queryOf({ nick: urlValue, token: urlValue }),
  })
  .map(({ rooms, cursor, timeout, extra }) => {
    const parts = [rooms === undefined ? '' : `rooms=${rooms}`, cursor === undefined ? '' : `cursor=${cursor}`, `timeout=${timeout}`, extra].filter(Boolean);
    return { path: `/poll?${parts.join('&')}` };
  });

const contentType = fc.oneof(
  fc.constantFrom('application/json', 'application/json; charset=utf-8', 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=latin1', 'APPLICATION/JSON', 'application/vnd.api+json'),
  headerSafe,
);

const postBody = fc.oneof(
  fc.record({ text: fc.oneof(fc.string({ minLength: 1, maxLength: 80 }), jsonValue, anyString), nick: fc.option(fc.oneof(anyString, jsonValue), { nil: undefined }), cid: fc.option(fc.oneof(anyString, jsonValue), { nil: undefined }) }).map((body) => JSON.stringify(body)),
  jsonValue.map((value) => JSON.stringify(value) ?? ''),
  anyString,
  fc.uint8Array({ maxLength: 80 }).map((bytes) => Buffer.from(bytes)),
  fc.nat({ max: 70_000 }).map((length) => JSON.stringify({ text: 'y'.repeat(length) })),
);

/** `POST /rooms/:room/messages` with junk rooms, content types and bodies. */
export const postRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({ room: fc.oneof(validRoom, roomLike.map(encodeURIComponentOr), urlValue), type: fc.option(contentType, { nil: undefined }), body: postBody, method: fc.constantFrom('POST', 'POST', 'POST', 'PUT', 'DELETE', 'PATCH') })
  .map(({ room, type, body, method }) => ({ method, path: `/rooms/${room}/messages`, headers: type === undefined ? {} : { 'content-type': type }, body }));

/** `GET /rooms/:room/messages` (and presence) with junk query strings. */
export const historyRequest: fc.Arbitrary<FuzzRequest> = fc
  .record({
    room: fc.oneof(validRoom, roomLike.map(encodeURIComponentOr), urlValue),
    what: fc.constantFrom('messages', 'messages', 'presence'),
    query: queryOf({ since: fc.oneof(fc.nat().map(String), fc.integer().map(String), urlValue, fc.constant('9'.repeat(20))), limit: fc.oneof(fc.nat({ max: 2000 }).map(String), urlValue) }),
  })
  .map(({ room, what, query }) => ({ path: `/rooms/${room}/${what}${query ? `?${query}` : ''}` }));

const segment = fc.oneof(
  fc.constantFrom('..', '%2e%2e', '%2E%2E', '.%2e', '%2e.', '..%2f', '..%5c', '%252e%252e', '...', '.', '', '%c0%ae%c0%ae', '..\\', '%00', 'chat.html', 'app.js', 'index.html', 'chat.css', 'etc', 'passwd', 'package.json', 'src', 'node.ts', 'public', 'gateway', '%2fetc%2fpasswd'),
  urlValue.map((value) => value.replace(/[?]/g, '%3f')),
);

/** Static paths: `..` in every spelling, encoded slashes, NUL, junk. */
export const staticPath = fc
  .tuple(fc.array(segment, { minLength: 1, maxLength: 7 }), fc.constantFrom('/', '%2f', '/', '\\', '//'))
  .map(([segments, separator]) => `/${segments.join(separator)}`)
  .filter((path) => !/^\/(stream|eventsource)(\?|$)/.test(path));
