/** The last `maxLines` lines of a process's output, kept to print when something fails. */
export class LineRingBuffer {
  private readonly lines: string[] = [];
  private partial = '';

  constructor(private readonly maxLines = 400) {}

  /** Appends a chunk of output; lines are split on `\n`, a trailing partial line waits for its end. */
  push(chunk: string): void {
    const parts = (this.partial + chunk).split('\n');
    this.partial = parts.pop() ?? '';
    for (const line of parts) {
      this.lines.push(line);
      if (this.lines.length > this.maxLines) this.lines.shift();
    }
  }

  /** Every kept line, oldest first, including an unterminated last line. */
  text(): string {
    return [...this.lines, ...(this.partial ? [this.partial] : [])].join('\n');
  }
}
