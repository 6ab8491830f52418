import fc from 'fast-check';

/** Percent-encodes every UTF-8 byte of `text` (lone surrogates become U+FFFD): always a legal URL part. */
export function pctEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

/** Printable ASCII that a URL or header may carry as is, plus the characters parsers trip on. */
const rawUrlChar = fc.constantFrom(...'abcxyz019_.-~%,:;=&+!*()[]@$\'/?#'.split(''), '%zz', '%ff', '%c0%ae', '%00', '%0d%0a', '%2e', '%2f', '%5c');
const rawUrlPart = fc.array(rawUrlChar, { maxLength: 24 }).map((chars) => chars.join('').replace(/#/g, '%23'));

/** Any string, including control characters, lone surrogates and non-BMP characters. */
export const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ maxLength: 12 }), fc.string({ unit: 'grapheme', maxLength: 20 }));

/** A URL query value: percent-encoded junk or raw characters (some of them malformed escapes). */
export const urlValue = fc.oneof(anyString.map(pctEncode), rawUrlPart, anyString.map(encodeURIComponentSafe));

function encodeURIComponentSafe(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return pctEncode(text);
  }
}

export const validRoom = fc.stringMatching(/^[A-Za-z0-9_.:-]{1,16}$/).filter((room) => room !== 'lobby');
export const roomLike = fc.oneof(validRoom, anyString, fc.constantFrom('', 'x'.repeat(65), 'a b', 'lobby\n', '../x', 'a,b'));
export const roomList = fc.oneof(
  fc.array(validRoom, { minLength: 1, maxLength: 4 }).map((rooms) => rooms.join(',')),
  fc.array(roomLike, { minLength: 0, maxLength: 4 }).map((rooms) => rooms.join(',')),
  fc.constant(Array.from({ length: 120 }, (_, index) => `r${index}`).join(',')),
);

/** A JSON value of any shape (bounded), for fields and whole frames. */
export const jsonValue = fc.jsonValue({ maxDepth: 3 });

/** `{"room":["epoch",offset]}` cursors, valid or not, base64url-encoded like the server's. */
export const cursorLike = fc.oneof(
  fc.dictionary(roomLike, fc.oneof(fc.tuple(fc.string({ maxLength: 70 }), fc.oneof(fc.nat(), fc.integer(), fc.double())), jsonValue), { maxKeys: 3 }).map((value) =>
    Buffer.from(JSON.stringify(value)).toString('base64url'),
  ),
  jsonValue.map((value) => Buffer.from(JSON.stringify(value) ?? 'null').toString('base64url')),
  anyString,
  fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/),
  fc.constant('A'.repeat(20_000)),
  // Compact cursors: `2.<snapshot>.<delta>`, with snapshots never issued and deltas valid or not.
  fc
    .tuple(fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/), fc.oneof(fc.dictionary(roomLike, fc.oneof(fc.nat(), fc.tuple(fc.string({ maxLength: 12 }), fc.nat()), jsonValue), { maxKeys: 3 }), jsonValue))
    .map(([snapshot, delta]) => `2.${snapshot}.${Buffer.from(JSON.stringify(delta) ?? 'null').toString('base64url')}`),
  fc.stringMatching(/^2\.[A-Za-z0-9_.-]{0,300}$/),
);

/** Author keys: valid, too short, too long, of the wrong alphabet. */
const keyLike = fc.oneof(fc.stringMatching(/^[A-Za-z0-9_-]{16,40}$/), fc.string({ maxLength: 20 }), fc.constant('k'.repeat(200)), jsonValue);

/** A valid client frame of the JSON protocol (rooms never `lobby`, which line clients share). */
export const validFrame = fc.oneof(
  validRoom.map((room) => ({ type: 'join', room })),
  fc.record({ type: fc.constant('join'), room: validRoom, since: fc.record({ epoch: fc.string({ maxLength: 10 }), offset: fc.nat() }) }),
  validRoom.map((room) => ({ type: 'leave', room })),
  fc.record({ type: fc.constant('send'), room: validRoom, text: fc.string({ minLength: 1, maxLength: 60 }), cid: fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }) }),
  fc.record({ type: fc.constant('nick'), nick: fc.string({ minLength: 1, maxLength: 32 }) }),
  fc.constant({ type: 'ping' }),
  validRoom.map((room) => ({ type: 'typing', room })),
  fc.record({ type: fc.constant('read'), room: validRoom, offset: fc.nat() }),
  fc.record({ type: fc.constant('history'), room: validRoom, before: fc.integer({ min: 1, max: 1000 }), limit: fc.option(fc.integer({ min: 1, max: 1000 }), { nil: undefined }) }),
  fc.record({ type: fc.constant('send'), room: validRoom, text: fc.string({ minLength: 1, maxLength: 60 }), key: keyLike }),
  fc.record({ type: fc.constantFrom('edit', 'delete'), room: validRoom, offset: fc.integer({ min: 1, max: 50 }), text: fc.string({ minLength: 1, maxLength: 20 }), key: fc.option(keyLike, { nil: undefined }) }),
  fc.record({ type: fc.constant('refresh'), token: fc.oneof(fc.string({ maxLength: 40 }), fc.constant('a.b.c'), jsonValue) }),
);

/** A valid frame with one field replaced, removed or added, by any JSON value. */
export const mutatedFrame = fc
  .tuple(validFrame, fc.constantFrom('type', 'room', 'text', 'nick', 'cid', 'since', 'key', 'token', 'offset', 'before', '__proto__', 'constructor', 'extra'), fc.oneof(jsonValue, anyString, fc.constant(undefined)))
  .map(([frame, key, value]) => {
    const copy: Record<string, unknown> = { ...frame };
    if (value === undefined) delete copy[key];
    else copy[key] = key === 'room' && value === 'lobby' ? 'not-lobby' : value;
    return JSON.stringify(copy);
  });

/** What a fuzzing WebSocket client sends: text (JSON, broken JSON, anything) or a binary frame. */
export type WsInput = string | { readonly binary: Buffer };

export const wsJsonInput: fc.Arbitrary<WsInput> = fc.oneof(
  { arbitrary: mutatedFrame, weight: 4 },
  { arbitrary: validFrame.map((frame) => JSON.stringify(frame)), weight: 2 },
  { arbitrary: jsonValue.map((value) => JSON.stringify(value) ?? 'null'), weight: 2 },
  { arbitrary: anyString, weight: 2 },
  { arbitrary: fc.tuple(mutatedFrame, fc.nat(), fc.nat({ max: 3 })).map(([text, at, cut]) => text.slice(0, at % (text.length + 1)) + text.slice((at % (text.length + 1)) + cut)), weight: 2 },
  { arbitrary: fc.uint8Array({ maxLength: 64 }).map((bytes) => ({ binary: Buffer.from(bytes) })), weight: 1 },
  { arbitrary: fc.string({ maxLength: 4 }).map((text) => text.repeat(2000)), weight: 1 },
);

/** Byte sequences that are not UTF-8 (lone continuation bytes, overlongs, surrogates, truncation). */
export const invalidUtf8 = fc
  .tuple(fc.string({ maxLength: 10 }), fc.constantFrom([0x80], [0xc0, 0xaf], [0xed, 0xa0, 0x80], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xe2, 0x82], [0xff], [0xf4, 0x90, 0x80, 0x80]), fc.string({ maxLength: 10 }))
  .map(([before, bad, after]) => Buffer.concat([Buffer.from(before), Buffer.from(bad), Buffer.from(after)]));

/** A line of the seed protocol: commands with junk, CR/LF/NUL, long lines. */
export const lineInput = fc.oneof(
  anyString.map((text) => `msg ! ${text}`),
  anyString.map((text) => `nick ! ${text}`),
  anyString,
  fc.constantFrom('msg ! ', 'nick ! ', 'msg !', 'msg ! \r', 'msg ! a\0b', 'nick ! \0', '\r\n', 'msg ! a\r\nnick ! b', 'auth ! x.y.z', '\u2028'),
  fc.tuple(fc.constantFrom('msg ! ', 'nick ! ', ''), fc.nat({ max: 6000 })).map(([prefix, length]) => prefix + 'x'.repeat(length)),
);
