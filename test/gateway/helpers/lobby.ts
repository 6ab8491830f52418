import { eventually } from '../../helpers/wait.js';
import { presence } from './http-client.js';
import type { LineClient } from './line-clients.js';

/** The room every line-protocol client is in. */
export const LOBBY = 'lobby';

/**
 * Connects a line client and waits until the node has joined it to `lobby` (it shows in presence,
 * which the node writes after subscribing), then sets its nick and waits for that too. Without
 * this, a message sent right after connecting could race the client's own join.
 */
export async function readyLineClient<T extends LineClient>(base: string, open: () => Promise<T>, nick: string): Promise<T> {
  const before = (await presence(base, LOBBY)).members.length;
  const client = await open();
  await eventually(async () => (await presence(base, LOBBY)).members.length > before, { what: 'line client in lobby presence' });
  client.send(`nick ! ${nick}`);
  await eventually(async () => (await presence(base, LOBBY)).members.some((member) => member.nick === nick), { what: `nick ${nick} in lobby presence` });
  return client;
}

/** `output ! <nick>: <text>`: how line clients see a lobby message. */
export const outputLine = (nick: string, text: string): string => `output ! ${nick}: ${text}`;
