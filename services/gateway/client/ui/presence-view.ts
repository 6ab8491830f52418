import { el } from './dom.js';

/** The list of nicks in the room on screen. */
export class PresenceView {
  constructor(
    private readonly list: HTMLUListElement,
    private readonly count: HTMLElement,
  ) {}

  show(nicks: readonly string[], ownNick: string): void {
    this.list.replaceChildren(...nicks.map((nick) => el('li', nick === ownNick ? 'own' : '', nick)));
    this.count.textContent = `(${nicks.length})`;
  }
}
