/** How long "is typing…" stays after the last notice (notices come at most once a second). */
const SHOWN_MS = 4000;

/** "alice is typing…" under the conversation, per room, for the room on screen. */
export class TypingView {
  private readonly typing = new Map<string, Map<string, number>>();
  private timer: ReturnType<typeof setTimeout> | undefined;

  constructor(
    private readonly line: HTMLElement,
    private readonly current: () => string,
  ) {}

  typed(room: string, nick: string): void {
    let nicks = this.typing.get(room);
    if (!nicks) this.typing.set(room, (nicks = new Map<string, number>()));
    nicks.set(nick, Date.now() + SHOWN_MS);
    this.render();
  }

  /** Their message arrived: they stopped typing. */
  stopped(room: string, nick: string): void {
    if (this.typing.get(room)?.delete(nick)) this.render();
  }

  render(): void {
    clearTimeout(this.timer);
    const now = Date.now();
    const nicks = this.typing.get(this.current()) ?? new Map<string, number>();
    for (const [nick, until] of nicks) if (until <= now) nicks.delete(nick);
    const names = [...nicks.keys()];
    this.line.textContent = names.length === 0 ? '' : names.length === 1 ? `${names[0]} is typing…` : names.length <= 3 ? `${names.join(', ')} are typing…` : 'several people are typing…';
    this.line.hidden = names.length === 0;
    const next = Math.min(...nicks.values());
    if (Number.isFinite(next)) this.timer = setTimeout(() => this.render(), Math.max(50, next - now));
  }
}
