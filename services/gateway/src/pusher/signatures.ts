import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import type { PusherApp } from './pusher-apps.js';

/** HMAC-SHA256 of `text` under `secret`, hex: every signature of the protocol is one. */
export function hmacHex(secret: string, text: string): string {
  return createHmac('sha256', secret).update(text).digest('hex');
}

export function md5Hex(body: Buffer | string): string {
  return createHash('md5').update(body).digest('hex');
}

/** Compares two hex strings in constant time (different lengths are simply unequal). */
export function sameHex(a: string, b: string): boolean {
  const left = Buffer.from(a, 'utf8');
  const right = Buffer.from(b, 'utf8');
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Checks `auth` = `key:HMAC(secret, text)` for this app. */
function validAuth(app: PusherApp, auth: unknown, text: string): boolean {
  if (typeof auth !== 'string') return false;
  const colon = auth.indexOf(':');
  if (colon < 0 || auth.slice(0, colon) !== app.key) return false;
  return sameHex(auth.slice(colon + 1), hmacHex(app.secret, text));
}

/** A private or presence subscription's `auth`: over `socket_id:channel[:channel_data]`. */
export function validChannelAuth(app: PusherApp, socketId: string, channel: string, auth: unknown, channelData?: string): boolean {
  return validAuth(app, auth, channelData === undefined ? `${socketId}:${channel}` : `${socketId}:${channel}:${channelData}`);
}

/** A `pusher:signin`'s `auth`: over `socket_id::user::user_data`. */
export function validUserAuth(app: PusherApp, socketId: string, userData: string, auth: unknown): boolean {
  return validAuth(app, auth, `${socketId}::user::${userData}`);
}

/** The `X-Pusher-Signature` of a webhook body. */
export function webhookSignature(app: PusherApp, body: string): string {
  return hmacHex(app.secret, body);
}
