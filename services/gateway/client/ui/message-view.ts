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

/** What the user can do to one of their own messages. */
export interface MessageActions {
  edit(room: string, offset: number, text: string): void;
  remove(room: string, offset: number): void;
}

const DELETED_TEXT = 'message deleted';

/** One room's messages as an ordered list, kept in offset order whatever the arrival order. */
export class RoomMessages {
  readonly list = el('ol', 'messages');
  /** Changes that arrived before the message they change (e.g. an older page not loaded yet). */
  private readonly early = new Map<number, ChatMessage>();
  /** No older messages to load: the first page reached the start of the room's history. */
  reachedStart = false;

  constructor(
    readonly room: string,
    private readonly actions?: MessageActions,
  ) {
    // role=log: screen readers announce new messages politely.
    this.list.setAttribute('role', 'log');
    this.list.setAttribute('aria-label', `messages in ${room}`);
  }

  add(message: ChatMessage, ownNick: string): void {
    const item = el('li', message.nick === ownNick ? 'msg own' : 'msg');
    item.dataset.epoch = message.epoch;
    item.dataset.offset = String(message.offset);
    item.dataset.rank = String(rank(message.epoch));
    if (this.list.querySelector(`li.msg[data-epoch="${CSS.escape(message.epoch)}"][data-offset="${message.offset}"]`)) return;
    const time = el('time', 'ts', formatTime(message.ts));
    time.dateTime = new Date(message.ts).toISOString();
    item.append(time, el('span', 'nick', message.nick), el('span', 'text', message.text));
    if (message.nick === ownNick && this.actions) item.append(this.actionButtons(item));
    this.insert(item);
    if (message.deleted) this.showDeleted(item);
    else if (message.edited) this.showEdited(item, message.text);
    const early = this.early.get(message.offset);
    if (early) this.change(early);
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

  /** Applies an edit or delete entry to the message it targets. */
  change(entry: ChatMessage): void {
    if (entry.target === undefined) return;
    const item = this.list.querySelector<HTMLElement>(`li.msg[data-epoch="${CSS.escape(entry.epoch)}"][data-offset="${entry.target}"]`);
    if (!item) {
      this.early.set(entry.target, entry);
      return;
    }
    this.early.delete(entry.target);
    if (entry.kind === 'delete') this.showDeleted(item);
    else if (!item.classList.contains('deleted')) this.showEdited(item, entry.text);
  }

  /**
   * Shows where unread messages begin: before the first message after `read` that someone else
   * wrote (your own are never unread). Returns how many of yours follow `read` on screen.
   */
  markUnreadFrom(read: number, ownNick: string): number {
    this.list.querySelector('li.unread-marker')?.remove();
    const after = [...this.list.querySelectorAll<HTMLElement>('li.msg')].filter((item) => Number(item.dataset.offset) > read);
    const own = after.filter((item) => item.querySelector('.nick')?.textContent === ownNick).length;
    const first = after.find((item) => item.querySelector('.nick')?.textContent !== ownNick);
    if (!first) return own;
    const marker = el('li', 'unread-marker', 'new messages');
    marker.setAttribute('aria-label', 'unread messages begin here');
    marker.dataset.rank = first.dataset.rank ?? '0';
    marker.dataset.offset = String(Number(first.dataset.offset) - 1);
    this.list.insertBefore(marker, first);
    return own;
  }

  /** The offset of the oldest message shown (to load what came before it). */
  get oldestOffset(): number | undefined {
    const first = this.list.querySelector<HTMLElement>('li.msg');
    return first ? Number(first.dataset.offset) : undefined;
  }

  /** The newest position shown, to store as read. */
  get newestOffset(): number | undefined {
    const items = this.list.querySelectorAll<HTMLElement>('li.msg');
    const last = items[items.length - 1];
    return last ? Number(last.dataset.offset) : undefined;
  }

  /** The newest of the user's own messages that can still be edited. */
  lastOwn(): { offset: number; text: string } | undefined {
    const items = [...this.list.querySelectorAll<HTMLElement>('li.msg.own:not(.deleted)')];
    const last = items.at(-1);
    return last ? { offset: Number(last.dataset.offset), text: last.querySelector('.text')?.textContent ?? '' } : undefined;
  }

  private showEdited(item: HTMLElement, text: string): void {
    const textNode = item.querySelector('.text');
    if (textNode) textNode.textContent = text;
    item.classList.add('edited');
    if (!item.querySelector('.edited-mark')) item.querySelector('.text')?.after(el('span', 'edited-mark', '(edited)'));
  }

  private showDeleted(item: HTMLElement): void {
    const textNode = item.querySelector('.text');
    if (textNode) textNode.textContent = DELETED_TEXT;
    item.classList.remove('edited');
    item.classList.add('deleted');
    item.querySelector('.edited-mark')?.remove();
    item.querySelector('.msg-actions')?.remove();
  }

  /** Edit and delete buttons: reachable by Tab, big enough to tap. */
  private actionButtons(item: HTMLElement): HTMLElement {
    const box = el('span', 'msg-actions');
    const edit = el('button', 'msg-edit', 'Edit');
    const remove = el('button', 'msg-delete', 'Delete');
    for (const button of [edit, remove]) button.type = 'button';
    edit.setAttribute('aria-label', 'edit this message');
    remove.setAttribute('aria-label', 'delete this message');
    edit.addEventListener('click', () => this.actions?.edit(this.room, Number(item.dataset.offset), item.querySelector('.text')?.textContent ?? ''));
    remove.addEventListener('click', () => this.actions?.remove(this.room, Number(item.dataset.offset)));
    box.append(edit, remove);
    return box;
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
