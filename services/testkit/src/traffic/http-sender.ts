import { isOffset, isRecord, isString } from '@chat/protocol';
import type { Ack } from './delivery-check.js';

/**
 * POSTs a message through nginx, retrying with the same cid until a node stores it: a retry
 * after a lost answer is answered `duplicate` and stored once.
 */
export async function postMessage(baseUrl: string, room: string, body: { text: string; nick: string; cid: string }, deadlineMs = 15_000): Promise<Ack> {
  const deadline = Date.now() + deadlineMs;
  let last = '';
  while (Date.now() < deadline) {
    try {
      const response = await fetch(`${baseUrl}/rooms/${room}/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(3_000),
      });
      const answer: unknown = await response.json();
      if ((response.status === 201 || response.status === 200) && isRecord(answer) && isString(answer.epoch) && isOffset(answer.offset)) {
        return { room, epoch: answer.epoch, offset: answer.offset, cid: body.cid, node: response.headers.get('x-node-id') ?? '' };
      }
      last = `${response.status} ${JSON.stringify(answer)}`;
    } catch (error) {
      last = String(error);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`POST ${body.cid} was never stored: ${last}`);
}
