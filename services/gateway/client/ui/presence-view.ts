import { el } from './dom.js';

/** The list of nicks in the room on screen, the member count, and a way to message one directly. */
export class PresenceView {
  constructor(
    private readonly list: HTMLUListElement,
    private readonly count: HTMLElement,
    /** Opens a direct conversation; absent when not signed in (direct messages need a token). */
    private readonly direct?: (nick: string) => void,
  ) {}

  /** `occupancy`: distinct members (a big room lists only some of them). */
  show(nicks: readonly string[], ownNick: string, occupancy?: number): void {
    this.list.replaceChildren(
      ...nicks.map((nick) => {
        const item = el('li', nick === ownNick ? 'own' : '', nick);
        if (this.direct && nick !== ownNick) {
          const button = el('button', 'dm-open', 'message');
          button.type = 'button';
          button.setAttribute('aria-label', `message ${nick} directly`);
          button.addEventListener('click', () => this.direct?.(nick));
          item.append(button);
        }
        return item;
      }),
    );
    this.count.textContent = `(${Math.max(occupancy ?? 0, nicks.length)})`;
  }
}
