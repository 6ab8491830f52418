import type { Endpoints } from './endpoints.js';
import type { TransportContext } from './transport.js';

/**
 * The URL of a stream (`/sse`, `/xhr-stream`, `/pushlet`) for the client's rooms and nick,
 * resuming from its positions. `cursorParam` names the query parameter of the cursor;
 * `tokenInQuery` puts the token in the URL for requests that cannot carry headers.
 */
export function streamUrl(endpoints: Endpoints, path: string, context: TransportContext, cursorParam: string, tokenInQuery: boolean): string {
  const rooms = context.rooms();
  const params = new URLSearchParams({ rooms: rooms.join(',') });
  const nick = context.nick();
  if (nick !== '') params.set('nick', nick);
  const cursor = context.cursor(rooms);
  if (cursor) params.set(cursorParam, cursor);
  if (tokenInQuery && endpoints.token !== undefined) params.set('token', endpoints.token);
  return `${endpoints.httpBase}${path}?${params.toString()}`;
}
