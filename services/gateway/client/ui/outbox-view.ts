import type { PendingSend } from '@chat/client';
import { el } from './dom.js';

/** The user's messages of the room on screen that the server has not acknowledged yet. */
export class OutboxView {
  constructor(
    private readonly list: HTMLOListElement,
    private readonly onDiscard: (cid: string) => void,
  ) {}

  show(items: readonly PendingSend[], room: string): void {
    this.list.replaceChildren(
      ...items
        .filter((item) => item.room === room)
        .map((item) => {
          const row = el('li', `pending ${item.state}`);
          row.dataset.cid = item.cid;
          const label = item.state === 'failed' ? `not sent: ${item.error ?? 'error'}` : 'sending…';
          row.append(el('span', 'text', item.text), el('span', 'state', label));
          if (item.state === 'failed') {
            const dismiss = el('button', 'link', 'dismiss');
            dismiss.type = 'button';
            dismiss.addEventListener('click', () => this.onDiscard(item.cid));
            row.append(dismiss);
          }
          return row;
        }),
    );
  }
}
