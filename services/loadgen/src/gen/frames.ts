/**
 * Cheap scanning of incoming frames. The load generator shares two cores with the servers, so a
 * `message` frame is never JSON-parsed: we find the send timestamp and the offset in the bytes.
 */

const TEXT_MARK = Buffer.from('"text":"t=');
const OFFSET_MARK = Buffer.from('"offset":');
const JSON_MESSAGE_PREFIX = Buffer.from('{"type":"message"');
const SIO_MESSAGE_PREFIX = Buffer.from('42["message"');

const DOT = 46;
const ZERO = 48;
const NINE = 57;

/** Parses an unsigned decimal (optional fraction) starting at `start`; NaN when there is none. */
function readNumber(buf: Buffer, start: number): number {
  let integer = 0;
  let i = start;
  let digits = 0;
  while (i < buf.length) {
    const c = buf[i] ?? 0;
    if (c < ZERO || c > NINE) break;
    integer = integer * 10 + (c - ZERO);
    i++;
    digits++;
  }
  if (digits === 0) return Number.NaN;
  if (buf[i] !== DOT) return integer;
  i++;
  let scale = 0.1;
  let fraction = 0;
  while (i < buf.length) {
    const c = buf[i] ?? 0;
    if (c < ZERO || c > NINE) break;
    fraction += (c - ZERO) * scale;
    scale /= 10;
    i++;
  }
  return integer + fraction;
}

/** True when a JSON-protocol frame is a room `message` (a prefix test: a `joined` frame carries messages inside). */
export function isJsonMessage(buf: Buffer): boolean {
  return startsWith(buf, JSON_MESSAGE_PREFIX);
}

function startsWith(buf: Buffer, prefix: Buffer): boolean {
  return buf.length > prefix.length && buf.compare(prefix, 0, prefix.length, 0, prefix.length) === 0;
}

/** True when a Socket.IO frame is a `message` event. */
export function isSioMessage(buf: Buffer): boolean {
  return startsWith(buf, SIO_MESSAGE_PREFIX);
}

/** The send time (ms since the epoch, fractional) carried as `t=<ms>` at the start of the text. */
export function sendTimeOf(buf: Buffer): number {
  const at = buf.indexOf(TEXT_MARK);
  return at === -1 ? Number.NaN : readNumber(buf, at + TEXT_MARK.length);
}

/** The `offset` field of a JSON-protocol message frame, NaN when absent. */
export function offsetOf(buf: Buffer): number {
  const at = buf.indexOf(OFFSET_MARK);
  return at === -1 ? Number.NaN : readNumber(buf, at + OFFSET_MARK.length);
}

/** Milliseconds since the Unix epoch with sub-millisecond precision, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}

/** The text of a benchmark message: the send time first, then optional padding. */
export function benchText(sendMs: number, pad: string): string {
  return `t=${sendMs.toFixed(3)}${pad}`;
}
