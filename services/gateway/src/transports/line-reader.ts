import { utf8Text } from '../utf8.js';

const NEWLINE = 0x0a;
const RETURN = 0x0d;

/** What a LineReader finds in the stream. */
export interface LineEvents {
  line(text: string): void;
  /** A line over the byte limit: skipped whole. */
  tooLong(): void;
  /** A line that is not UTF-8: skipped (never decoded into U+FFFD and passed on as changed text). */
  notUtf8(): void;
}

/** Splits a byte stream into `\n` lines (a trailing `\r` dropped), each decoded as UTF-8 and at most `maxBytes`. */
export class LineReader {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private discarding = false;

  constructor(
    private readonly maxBytes: number,
    private readonly events: LineEvents,
  ) {}

  push(chunk: Buffer): void {
    let start = 0;
    // A 0x0a byte is never part of a multi-byte UTF-8 character: splitting bytes is safe.
    for (let newline = chunk.indexOf(NEWLINE); newline !== -1; newline = chunk.indexOf(NEWLINE, start)) {
      this.take(chunk.subarray(start, newline));
      this.endLine();
      start = newline + 1;
    }
    this.take(chunk.subarray(start));
    if (!this.discarding && this.pendingBytes > this.maxBytes) {
      this.discarding = true;
      this.pending = [];
      this.pendingBytes = 0;
      this.events.tooLong();
    }
  }

  private take(part: Buffer): void {
    if (this.discarding || part.length === 0) return;
    this.pending.push(part);
    this.pendingBytes += part.length;
  }

  private endLine(): void {
    const bytes = Buffer.concat(this.pending, this.pendingBytes);
    this.pending = [];
    this.pendingBytes = 0;
    if (this.discarding) {
      this.discarding = false;
      return;
    }
    const line = bytes.at(-1) === RETURN ? bytes.subarray(0, -1) : bytes;
    if (line.length > this.maxBytes) return this.events.tooLong();
    const text = utf8Text(line);
    if (text === undefined) return this.events.notUtf8();
    this.events.line(text);
  }
}
