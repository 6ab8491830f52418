import { isRecord, isString } from '@chat/protocol';
import { requestHeaders, type Endpoints } from './endpoints.js';
import type { FetchFunction } from './platform.js';

/**
 * After a transport failed before it was ready: did the server refuse our token? Streams cannot
 * tell (EventSource hides the status), so one cheap authenticated read says it for all of them.
 * Returns the server's reason when it answered 401, else undefined (unreachable, or not about the token).
 */
export async function refusedToken(fetch: FetchFunction, endpoints: Endpoints, room: string): Promise<string | undefined> {
  try {
    const response = await fetch(`${endpoints.httpBase}/rooms/${encodeURIComponent(room)}/presence?limit=1`, {
      headers: requestHeaders(endpoints, false),
      cache: 'no-store',
    });
    if (response.status !== 401) return undefined;
    const body: unknown = await response.json().catch(() => undefined);
    const message = isRecord(body) && isRecord(body.error) && isString(body.error.message) ? body.error.message : undefined;
    return message ?? 'the server needs a valid token';
  } catch {
    return undefined;
  }
}
