import { isRecord, isString } from './guards.js';

/** `GET /rooms/:room/presence` → the nicks in the room across all nodes, or undefined on failure. */
export async function fetchPresence(base: string, room: string, signal?: AbortSignal): Promise<string[] | undefined> {
  try {
    const response = await fetch(`${base}/rooms/${encodeURIComponent(room)}/presence`, { cache: 'no-store', ...(signal ? { signal } : {}) });
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
