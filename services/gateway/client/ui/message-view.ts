import type { ChatMessage } from '@chat/protocol';
import { el, formatTime } from './dom.js';

const MAX_SHOWN = 2_000;

/** Epochs in the order this page first saw them, so messages of a new epoch sort after the old. */
const epochRank = new Map<string, number>();
function rank(epoch: string): number {
  let value = epochRank.get(epoch);
  if (value === undefined) epochRank.set(epoch, (value = epochRank.size));
  return value;
}

function sortKey(item: HTMLElement): [number, number] {
  return [Number(item.dataset.rank), Number(item.dataset.offset)];
}

/** One room's messages as an ordered list, kept in offset order whatever the arrival order. */
export class RoomMessages {
  readonly list = el('ol', 'messages');

  constructor(readonly room: string) {
    // role=log: screen readers announce new messages politely.
    this.list.setAttribute('role', 'log');
    this.list.setAttribute('aria-label', `messages in ${room}`);
  }

  add(message: ChatMessage, ownNick: string): void {
    const item = el('li', message.nick === ownNick ? 'msg own' : 'msg');
    item.dataset.epoch = message.epoch;
    item.dataset.offset = String(message.offset);
    item.dataset.rank = String(rank(message.epoch));
    const time = el('time', 'ts', formatTime(message.ts));
    time.dateTime = new Date(message.ts).toISOString();
    item.append(time, el('span', 'nick', message.nick), el('span', 'text', message.text));
    this.insert(item);
    // A tab left open for days must not grow without bound; the server keeps the history.
    while (this.list.childElementCount > MAX_SHOWN) this.list.firstElementChild?.remove();
  }

  /** Marks where messages may be missing, after everything shown so far. */
  addGapMarker(reason: string): void {
    const item = el('li', 'gap', `Some messages may be missing here: ${reason}.`);
    const last = this.list.lastElementChild;
    item.dataset.rank = last instanceof HTMLElement ? (last.dataset.rank ?? '0') : '0';
    item.dataset.offset = last instanceof HTMLElement ? (last.dataset.offset ?? '0') : '0';
    this.list.append(item);
  }

  get count(): number {
    return this.list.querySelectorAll('li.msg').length;
  }

  private insert(item: HTMLElement): void {
    const [r, o] = sortKey(item);
    // Messages nearly always arrive in order: walk back from the end.
    let before: Element | null = null;
    for (let node = this.list.lastElementChild; node; node = node.previousElementSibling) {
      if (!(node instanceof HTMLElement)) continue;
      const [nr, no] = sortKey(node);
      if (nr < r || (nr === r && no <= o)) break;
      before = node;
    }
    this.list.insertBefore(item, before);
  }
}
