import { cleanNick, isValidRoom } from '@chat/protocol';

const HOST_PATTERN = /^[A-Za-z0-9.\-[\]:]{1,300}$/;
const NICK_KEY = 'chat.nick';
const GUEST_KEY = 'chat.guest-nick';

/** The server's address as the gateway wrote it into the page (`%%HOST:PORT%%`), else this page's host. */
export function serverAddress(): string {
  const meta = document.querySelector('meta[name="chat-server"]');
  const value = meta?.getAttribute('content') ?? '';
  return HOST_PATTERN.test(value) ? value : location.host;
}

/** The URL the client connects to: this page's scheme and the server's address. */
export function serverUrl(server: string): string {
  return `${location.protocol}//${server}`;
}

/** The room to open: `?room=` when valid, else `lobby`. */
export function initialRoom(): string {
  const room = new URLSearchParams(location.search).get('room') ?? '';
  return isValidRoom(room) ? room : 'lobby';
}

function storage(kind: 'local' | 'session'): Storage | undefined {
  try {
    return kind === 'local' ? localStorage : sessionStorage;
  } catch {
    return undefined;
  }
}

/** `?nick=`, else the nick the user chose before, else a guest nick kept for this tab. */
export function initialNick(): string {
  const fromUrl = cleanNick(new URLSearchParams(location.search).get('nick') ?? '');
  if (fromUrl) return fromUrl;
  const chosen = cleanNick(storage('local')?.getItem(NICK_KEY) ?? '');
  if (chosen) return chosen;
  const guest = cleanNick(storage('session')?.getItem(GUEST_KEY) ?? '');
  if (guest) return guest;
  const fresh = `guest-${Math.random().toString(36).slice(2, 7)}`;
  storage('session')?.setItem(GUEST_KEY, fresh);
  return fresh;
}

export function rememberNick(nick: string): void {
  storage('local')?.setItem(NICK_KEY, nick);
}

/** Keeps `?room=` in the address bar in step with the room on screen. */
export function showRoomInUrl(room: string): void {
  const url = new URL(location.href);
  url.searchParams.set('room', room);
  history.replaceState(null, '', url);
}

const TOKEN_KEY = 'chat.token';

/** A token to sign in with: `?token=` (kept for this tab), else the one kept before. */
export function initialToken(): string | undefined {
  const fromUrl = new URLSearchParams(location.search).get('token');
  if (fromUrl) {
    storage('session')?.setItem(TOKEN_KEY, fromUrl);
    const url = new URL(location.href);
    url.searchParams.delete('token');
    history.replaceState(null, '', url);
    return fromUrl;
  }
  return storage('session')?.getItem(TOKEN_KEY) ?? undefined;
}

/** Keeps a token the user pasted (for this tab), or forgets one the server refused. */
export function rememberToken(token: string | undefined): void {
  if (token === undefined) storage('session')?.removeItem(TOKEN_KEY);
  else storage('session')?.setItem(TOKEN_KEY, token);
}

/** The `sub` of a JWT, read without verifying it (the server verifies; the page only needs the name). */
export function subjectOf(token: string): string | undefined {
  try {
    const part = token.split('.')[1] ?? '';
    const json = atob(part.replace(/-/g, '+').replace(/_/g, '/'));
    const claims: unknown = JSON.parse(json);
    const sub = typeof claims === 'object' && claims !== null ? (claims as Record<string, unknown>).sub : undefined;
    return typeof sub === 'string' ? sub : undefined;
  } catch {
    return undefined;
  }
}
