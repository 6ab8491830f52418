import { eventually } from '@chat/testkit';
import { presence } from './http-client.js';
import type { LineClient } from './line-clients.js';

/** The room every line-protocol client is in. */
export const LOBBY = 'lobby';

const hasNick = async (base: string, nick: string): Promise<boolean> => (await presence(base, LOBBY)).members.some((member) => member.nick === nick);

/**
 * Connects a line client and waits until the node has joined it to `lobby` (it shows in presence,
 * which the node writes after subscribing), then sets its nick and waits until presence shows it.
 * Without this, a message sent right after connecting could race the client's own join.
 *
 * A rename that lands while the node is still finishing the join is not re-announced (the member is
 * not yet marked as announced, see RoomHub.join/renamed), so presence can keep the guest nick; the
 * helper then renames away and back, which announces again.
 */
export async function readyLineClient<T extends LineClient>(base: string, open: () => Promise<T>, nick: string): Promise<T> {
  const before = (await presence(base, LOBBY)).members.length;
  const client = await open();
  await eventually(async () => (await presence(base, LOBBY)).members.length > before, { what: 'line client in lobby presence' });
  client.send(`nick ! ${nick}`);
  for (let attempt = 1; ; attempt++) {
    try {
      await eventually(() => hasNick(base, nick), { timeoutMs: 1000, what: `nick ${nick} in lobby presence` });
      return client;
    } catch (error) {
      if (attempt >= 5) throw error;
      client.send(`nick ! ${nick}~`);
      client.send(`nick ! ${nick}`);
    }
  }
}

/** `output ! <nick>: <text>`: how line clients see a lobby message. */
export const outputLine = (nick: string, text: string): string => `output ! ${nick}: ${text}`;
