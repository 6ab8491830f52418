import { ChatClient } from '@chat/client';
import { cleanNick, isValidRoom } from '@chat/protocol';
import { byId } from './dom.js';
import { RoomMessages } from './message-view.js';
import { NoticeView } from './notice-view.js';
import { OutboxView } from './outbox-view.js';
import { PresenceView } from './presence-view.js';
import { RoomsView } from './rooms-view.js';
import { initialNick, initialRoom, rememberNick, serverAddress, serverUrl, showRoomInUrl } from './settings.js';
import { StatusView } from './status-view.js';

const MAX_TEXT = 4000;

/** Wires the chat page's elements to one ChatClient. */
export function startChatPage(): ChatClient {
  const server = serverAddress();
  byId('server-address', HTMLElement).textContent = server;

  let current = initialRoom();
  const client = new ChatClient({ url: serverUrl(server), nick: initialNick(), rooms: [current] });
  const rooms = new Map<string, RoomMessages>();
  const conversation = byId('conversation', HTMLElement);
  let visibleList: HTMLElement = byId('messages', HTMLElement);
  const roomTitle = byId('room-title', HTMLElement);
  const nickInput = byId('nick', HTMLInputElement);
  const textInput = byId('text', HTMLInputElement);
  const joinInput = byId('join-room', HTMLInputElement);
  const status = new StatusView(byId('status', HTMLElement), byId('error-line', HTMLElement));
  const presence = new PresenceView(byId('presence', HTMLUListElement), byId('presence-count', HTMLElement));
  const outbox = new OutboxView(byId('pending', HTMLOListElement), (cid) => client.discard(cid));
  const notice = new NoticeView(byId('notice', HTMLElement), byId('notice-text', HTMLElement), byId('notice-dismiss', HTMLButtonElement), () => current);
  const tabs = new RoomsView(byId('room-tabs', HTMLUListElement), { select: (room) => show(room), leave: (room) => leave(room) });

  function roomMessages(room: string): RoomMessages {
    let view = rooms.get(room);
    if (!view) rooms.set(room, (view = new RoomMessages(room)));
    return view;
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
    presence.show(client.presenceOf(room), client.nick);
    outbox.show(client.pendingSends(), room);
    notice.render();
    conversation.scrollTop = conversation.scrollHeight;
  }

  function leave(room: string): void {
    client.leave(room);
    rooms.delete(room);
    if (room === current) show(client.rooms[0] ?? 'lobby');
    else tabs.render(client.rooms, current);
  }

  client.on('status', (value) => status.show(value));
  client.on('message', (message) => {
    const stick = message.room === current && nearBottom();
    roomMessages(message.room).add(message, client.nick);
    if (message.room !== current) {
      tabs.markUnread(message.room);
      tabs.render(client.rooms, current);
    } else if (stick) {
      conversation.scrollTop = conversation.scrollHeight;
    }
  });
  client.on('presence', ({ room, nicks }) => room === current && presence.show(nicks, client.nick));
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
    // A refused send stays in the outbox view, marked failed; nothing else to do with it here.
    client.send(current, text).catch(() => undefined);
    textInput.value = '';
    textInput.focus();
  });

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
    client.join(room);
    show(room);
  });
  joinInput.addEventListener('input', () => joinInput.setCustomValidity(''));

  show(current);
  client.start();
  return client;
}
