import { isRecord, isString } from '@chat/protocol';
import { requestHeaders, type Endpoints } from './endpoints.js';
import type { FetchFunction } from './platform.js';

/** `GET /rooms/:room/presence` → the nicks in the room across all nodes, or undefined on failure. */
export async function fetchPresence(fetch: FetchFunction, endpoints: Endpoints, room: string, signal?: AbortSignal): Promise<string[] | undefined> {
  try {
    const response = await fetch(`${endpoints.httpBase}/rooms/${encodeURIComponent(room)}/presence`, {
      cache: 'no-store',
      headers: requestHeaders(endpoints, false),
      ...(signal ? { signal } : {}),
    });
    if (!response.ok) return undefined;
    const body: unknown = await response.json();
    if (!isRecord(body) || !Array.isArray(body.members)) return undefined;
    const nicks: string[] = [];
    for (const member of body.members) if (isRecord(member) && isString(member.nick)) nicks.push(member.nick);
    return nicks;
  } catch {
    return undefined;
  }
}
