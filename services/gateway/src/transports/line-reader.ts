/** Splits a text stream into `\n` lines (a trailing `\r` dropped); a line over `maxBytes` is reported and skipped whole. */
export class LineReader {
  private pending = '';
  private discarding = false;

  constructor(
    private readonly maxBytes: number,
    private readonly onLine: (line: string) => void,
    private readonly onTooLong: () => void,
  ) {}

  push(chunk: string): void {
    this.pending += chunk;
    let newline = this.pending.indexOf('\n');
    while (newline !== -1) {
      const line = this.pending.slice(0, newline).replace(/\r$/, '');
      this.pending = this.pending.slice(newline + 1);
      if (this.discarding) this.discarding = false;
      else if (Buffer.byteLength(line) > this.maxBytes) this.onTooLong();
      else this.onLine(line);
      newline = this.pending.indexOf('\n');
    }
    if (!this.discarding && Buffer.byteLength(this.pending) > this.maxBytes) {
      this.discarding = true;
      this.onTooLong();
    }
    if (this.discarding) this.pending = '';
  }
}
