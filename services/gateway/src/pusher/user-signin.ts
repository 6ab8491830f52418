import type { PusherApp } from './pusher-apps.js';
import { validUserAuth } from './signatures.js';

/** A `pusher:signin` checked: the user's id and the frame that answers it, or why it failed. */
export type SigninOutcome = { readonly userId: string; readonly answer: string } | { readonly problem: string };

/** Checks `auth` = `key:HMAC(secret, "socket_id::user::user_data")` and that user_data has an `id`. */
export function checkSignin(app: PusherApp, socketId: string, data: unknown): SigninOutcome {
  const { auth, user_data: userData } = (typeof data === 'object' && data !== null ? data : {}) as Record<string, unknown>;
  if (typeof userData !== 'string') return { problem: 'signin needs user_data (JSON text)' };
  if (!validUserAuth(app, socketId, userData, auth)) return { problem: 'Invalid signature for signin' };
  let user: unknown;
  try {
    user = JSON.parse(userData);
  } catch {
    return { problem: 'user_data is not JSON' };
  }
  const id = (user as { id?: unknown } | null)?.id;
  const userId = typeof id === 'number' && Number.isFinite(id) ? String(id) : id;
  if (typeof userId !== 'string' || userId.length === 0 || userId.length > 200) return { problem: 'user_data needs an id' };
  return { userId, answer: JSON.stringify({ event: 'pusher:signin_success', data: { user_data: userData, auth } }) };
}
