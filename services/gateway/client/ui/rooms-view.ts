import { el } from './dom.js';

export interface RoomsViewActions {
  select(room: string): void;
  leave(room: string): void;
}

/** Room tabs with unread counts; the current one is marked for screen readers too. */
export class RoomsView {
  private readonly unread = new Map<string, number>();

  constructor(
    private readonly tabs: HTMLUListElement,
    private readonly actions: RoomsViewActions,
  ) {}

  markUnread(room: string): void {
    this.unread.set(room, (this.unread.get(room) ?? 0) + 1);
  }

  /** The server's count for a room (on joining it): what was unread since this reader last read it. */
  setUnread(room: string, count: number): void {
    if (count > 0) this.unread.set(room, count);
    else this.unread.delete(room);
  }

  render(rooms: readonly string[], current: string): void {
    this.unread.delete(current);
    this.tabs.replaceChildren(
      ...rooms.map((room) => {
        const item = el('li', room === current ? 'tab current' : 'tab');
        const button = el('button', 'tab-select', `#${room}`);
        button.type = 'button';
        if (room === current) button.setAttribute('aria-current', 'page');
        button.addEventListener('click', () => this.actions.select(room));
        item.append(button);
        const unread = this.unread.get(room);
        if (unread) {
          const badge = el('span', 'unread', String(unread));
          badge.setAttribute('aria-label', `${unread} unread`);
          button.append(badge);
        }
        if (rooms.length > 1) {
          const leave = el('button', 'tab-leave', '×');
          leave.type = 'button';
          leave.title = `leave ${room}`;
          leave.setAttribute('aria-label', `leave ${room}`);
          leave.addEventListener('click', () => this.actions.leave(room));
          item.append(leave);
        }
        return item;
      }),
    );
  }
}
