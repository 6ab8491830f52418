import { isErrorCode, isFiniteNumber, isOffset, isRecord, isRetryable, isString, type ServerEvent } from '@chat/protocol';
import { requestHeaders, type Endpoints } from './endpoints.js';
import type { PendingSend } from './outbox.js';
import type { FetchFunction } from './platform.js';

const SEND_TIMEOUT_MS = 10_000;

/**
 * Sends one message by `POST /rooms/:room/messages` (for SSE and long-poll clients) and reports the
 * outcome as the same `ack` / `error` events a WebSocket would. A network failure or a 5xx is a
 * retryable error (`unavailable` unless the server named another): the send stays pending and the
 * client soon retries it with the same cid.
 */
export async function postMessage(fetch: FetchFunction, endpoints: Endpoints, item: PendingSend, nick: string, emit: (event: ServerEvent) => void): Promise<void> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), SEND_TIMEOUT_MS);
  let response: Response;
  let body: unknown;
  try {
    response = await fetch(`${endpoints.httpBase}/rooms/${encodeURIComponent(item.room)}/messages`, {
      method: 'POST',
      headers: requestHeaders(endpoints, true),
      body: JSON.stringify({ text: item.text, cid: item.cid, key: item.key, ...(nick === '' ? {} : { nick }) }),
      signal: controller.signal,
      cache: 'no-store',
    });
    body = await response.json().catch(() => undefined);
  } catch {
    emit({ type: 'error', code: 'unavailable', message: 'the send did not reach a server', cid: item.cid, for: 'send', room: item.room });
    return;
  } finally {
    clearTimeout(timer);
  }
  if (response.ok && isRecord(body)) {
    const { room, epoch, offset, ts } = body;
    if (isString(room) && isString(epoch) && isOffset(offset)) {
      emit({ type: 'ack', cid: item.cid, room, epoch, offset, ts: isFiniteNumber(ts) ? ts : Date.now(), duplicate: body.duplicate === true });
    }
    return;
  }
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  if (response.status >= 500) {
    const code = isErrorCode(error.code) && isRetryable(error.code) ? error.code : 'unavailable';
    emit({ type: 'error', code, message: `the server answered ${response.status}`, cid: item.cid, for: 'send', room: item.room });
    return;
  }
  const retryAfter = Number(response.headers.get('Retry-After'));
  emit({
    type: 'error',
    code: isErrorCode(error.code) ? error.code : response.status === 429 ? 'rate_limited' : 'bad_request',
    message: isString(error.message) ? error.message : `the server answered ${response.status}`,
    cid: item.cid,
    for: 'send',
    room: item.room,
    ...(response.status === 429 ? { retryAfterMs: isFiniteNumber(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : 1000 } : {}),
  });
}
