import { ChatClient } from '@chat/client';
import { cleanNick, dmRoom, isValidRoom } from '@chat/protocol';
import { Composer } from './composer.js';
import { byId } from './dom.js';
import { RoomMessages } from './message-view.js';
import { NoticeView } from './notice-view.js';
import { OutboxView } from './outbox-view.js';
import { PresenceView } from './presence-view.js';
import { RoomsView } from './rooms-view.js';
import { ReadTracker } from './read-tracker.js';
import { initialNick, initialRoom, initialToken, rememberNick, rememberToken, serverAddress, serverUrl, showRoomInUrl, subjectOf } from './settings.js';
import { SignInView } from './signin-view.js';
import { StatusView } from './status-view.js';
import { TypingView } from './typing-view.js';

const MAX_TEXT = 4000;

/** Wires the chat page's elements to one ChatClient. */
export function startChatPage(): ChatClient {
  const server = serverAddress();
  byId('server-address', HTMLElement).textContent = server;

  let current = initialRoom();
  const token = initialToken();
  const ownSub = token === undefined ? undefined : subjectOf(token);
  // Signed in, the nick is the token's (the server refuses another): the page asks for none.
  const client = new ChatClient({ url: serverUrl(server), rooms: [current], ...(token === undefined ? { nick: initialNick() } : { token }) });
  const rooms = new Map<string, RoomMessages>();
  const occupancy = new Map<string, number>();
  const conversation = byId('conversation', HTMLElement);
  let visibleList: HTMLElement = byId('messages', HTMLElement);
  const roomTitle = byId('room-title', HTMLElement);
  const nickInput = byId('nick', HTMLInputElement);
  const textInput = byId('text', HTMLInputElement);
  const joinInput = byId('join-room', HTMLInputElement);
  const status = new StatusView(byId('status', HTMLElement), byId('error-line', HTMLElement));
  // A direct room is named by the two subs; a member's sub comes with presence (else its nick is its sub).
  const openDirect = ownSub === undefined ? undefined : (nick: string): void => openRoom(dmRoom(ownSub, client.userOf(nick) ?? nick));
  const presence = new PresenceView(byId('presence', HTMLUListElement), byId('presence-count', HTMLElement), openDirect);
  const typing = new TypingView(byId('typing', HTMLElement), () => current);
  const reads = new ReadTracker((room, offset) => void client.features.markRead(room, offset).catch(() => undefined));
  const composer = new Composer(textInput, byId('send-form', HTMLFormElement), byId('editing', HTMLElement));
  const olderButton = byId('load-older', HTMLButtonElement);
  const actions = {
    edit: (room: string, offset: number, text: string) => composer.startEdit(room, offset, text),
    remove: (room: string, offset: number) => void client.features.remove(room, offset).catch((error: Error) => status.flash(error.message)),
  };
  const outbox = new OutboxView(byId('pending', HTMLOListElement), (cid) => client.discard(cid));
  const notice = new NoticeView(byId('notice', HTMLElement), byId('notice-text', HTMLElement), byId('notice-dismiss', HTMLButtonElement), () => current);
  const signIn = new SignInView((pasted) => {
    rememberToken(pasted);
    location.reload();
  });
  const tabs = new RoomsView(byId('room-tabs', HTMLUListElement), { select: (room) => show(room), leave: (room) => leave(room) });

  function roomMessages(room: string): RoomMessages {
    let view = rooms.get(room);
    if (!view) rooms.set(room, (view = new RoomMessages(room, actions)));
    return view;
  }

  function showPresence(room: string): void {
    presence.show(client.presenceOf(room), client.nick, occupancy.get(room));
  }

  /** The room on screen is read up to its newest message while the page is visible. */
  function markShownRead(): void {
    const newest = roomMessages(current).newestOffset;
    if (newest !== undefined && document.visibilityState !== 'hidden') reads.read(current, newest);
  }

  /** "load older messages" while there may be some: not before the first message, not when none is shown. */
  function showOlderButton(view: RoomMessages): void {
    const oldest = view.oldestOffset;
    olderButton.hidden = view.reachedStart || oldest === undefined || oldest <= 1;
  }

  async function loadOlder(): Promise<void> {
    const room = current;
    const view = roomMessages(room);
    const before = view.oldestOffset;
    if (view.reachedStart || before === undefined || before <= 1 || olderButton.disabled) {
      if (before !== undefined && before <= 1) view.reachedStart = true;
      showOlderButton(view);
      return;
    }
    olderButton.disabled = true;
    try {
      const page = await client.features.older(room, before);
      const height = conversation.scrollHeight;
      for (const message of page.messages) view.add(message, client.nick);
      if (page.messages.length === 0 || (page.messages[0]?.offset ?? 1) <= 1) view.reachedStart = true;
      if (room === current) conversation.scrollTop += conversation.scrollHeight - height;
    } catch (error) {
      status.flash(error instanceof Error ? error.message : 'could not load older messages');
    } finally {
      olderButton.disabled = false;
      showOlderButton(view);
    }
  }

  function openRoom(room: string): void {
    client.join(room);
    show(room);
  }

  function nearBottom(): boolean {
    return conversation.scrollHeight - conversation.scrollTop - conversation.clientHeight < 80;
  }

  function show(room: string): void {
    current = room;
    const view = roomMessages(room);
    if (visibleList !== view.list) {
      visibleList.removeAttribute('id');
      view.list.id = 'messages';
      visibleList.replaceWith(view.list);
      visibleList = view.list;
    }
    roomTitle.textContent = `#${room}`;
    document.title = `#${room} · chat`;
    showRoomInUrl(room);
    tabs.render(client.rooms, room);
    showPresence(room);
    outbox.show(client.pendingSends(), room);
    notice.render();
    typing.render();
    composer.cancel();
    showOlderButton(view);
    conversation.scrollTop = conversation.scrollHeight;
    markShownRead();
  }

  function leave(room: string): void {
    client.leave(room);
    rooms.delete(room);
    if (room === current) show(client.rooms[0] ?? 'lobby');
    else tabs.render(client.rooms, current);
  }

  client.on('status', (value) => {
    status.show(value);
    if (value.state !== 'unauthorized') return;
    // A refused token is of no more use; the panel asks for another.
    if (token !== undefined) rememberToken(undefined);
    signIn.show(token !== undefined, value.reason);
  });
  client.on('message', (message) => {
    // Your own send always comes into view; others' only when you are reading the newest.
    const stick = message.room === current && (message.nick === client.nick || nearBottom());
    roomMessages(message.room).add(message, client.nick);
    typing.stopped(message.room, message.nick);
    if (message.room !== current) {
      if (message.nick !== client.nick) tabs.markUnread(message.room);
      tabs.render(client.rooms, current);
    } else {
      if (stick) conversation.scrollTop = conversation.scrollHeight;
      showOlderButton(roomMessages(current));
      markShownRead();
    }
  });
  client.on('edit', (entry) => roomMessages(entry.room).change(entry));
  client.on('delete', (entry) => roomMessages(entry.room).change(entry));
  client.on('typing', ({ room, nick }) => nick !== client.nick && typing.typed(room, nick));
  client.on('occupancy', ({ room, count }) => {
    occupancy.set(room, count);
    if (room === current) showPresence(room);
  });
  client.on('unread', ({ room, read, unread }) => {
    reads.known(room, read);
    // Your own messages are never unread to you, wherever the stored position is.
    const ownAfter = unread > 0 ? roomMessages(room).markUnreadFrom(read, client.nick) : 0;
    if (room !== current) tabs.setUnread(room, unread - ownAfter);
    tabs.render(client.rooms, current);
    if (room === current) markShownRead();
  });
  client.on('presence', ({ room }) => room === current && showPresence(room));
  client.on('gap', ({ room, reason }) => {
    roomMessages(room).addGapMarker(reason);
    notice.gap(room, reason);
  });
  client.on('outbox', (items) => outbox.show(items, current));
  client.on('nick', (nick) => {
    if (document.activeElement !== nickInput) nickInput.value = nick;
  });
  client.on('error', (error) => status.flash(`${error.code}: ${error.message}`));

  nickInput.value = client.nick;
  nickInput.readOnly = token !== undefined;
  byId('nick-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    const nick = cleanNick(nickInput.value);
    if (!nick) {
      nickInput.setCustomValidity('1-32 characters, no control characters');
      nickInput.reportValidity();
      return;
    }
    nickInput.setCustomValidity('');
    rememberNick(nick);
    client.setNick(nick);
    nickInput.blur();
  });
  nickInput.addEventListener('change', () => nickInput.form?.requestSubmit());

  byId('send-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    const text = textInput.value;
    if (text.trim().length === 0 || text.length > MAX_TEXT) return;
    const editing = composer.editing;
    if (editing) {
      client.features.edit(editing.room, editing.offset, text).catch((error: Error) => status.flash(error.message));
      composer.cancel();
    } else {
      // A refused send stays in the outbox view, marked failed; nothing else to do with it here.
      client.send(current, text).catch(() => undefined);
    }
    textInput.value = '';
    textInput.focus();
  });
  textInput.addEventListener('input', () => {
    if (textInput.value !== '' && !composer.editing) void client.features.typing(current);
  });
  textInput.addEventListener('keydown', (event) => {
    if (event.key === 'Escape' && composer.editing) {
      event.preventDefault();
      composer.cancel();
    } else if (event.key === 'ArrowUp' && textInput.value === '') {
      // As in Slack: Up in an empty composer edits your last message.
      const last = roomMessages(current).lastOwn();
      if (last) {
        event.preventDefault();
        composer.startEdit(current, last.offset, last.text);
      }
    }
  });
  conversation.addEventListener('scroll', () => {
    if (conversation.scrollTop < 40) void loadOlder();
  });
  olderButton.addEventListener('click', () => void loadOlder());
  document.addEventListener('visibilitychange', markShownRead);

  byId('join-form', HTMLFormElement).addEventListener('submit', (event) => {
    event.preventDefault();
    const room = joinInput.value.trim();
    if (!isValidRoom(room)) {
      joinInput.setCustomValidity('1-64 characters of A-Z a-z 0-9 _ . : -');
      joinInput.reportValidity();
      return;
    }
    joinInput.setCustomValidity('');
    joinInput.value = '';
    openRoom(room);
  });
  joinInput.addEventListener('input', () => joinInput.setCustomValidity(''));

  show(current);
  client.start();
  return client;
}
