import { describe, expect, it } from 'vitest';
import type { AckEvent } from '@chat/protocol';
import { ACK_HOLD_MAX_MS, AckHold, AckHoldSweeper } from '../../services/gateway/src/transports/ack-hold.js';

const ack = (room: string, offset: number, duplicate = false): AckEvent => ({ type: 'ack', cid: `c${offset}`, room, epoch: 'e1', offset, ts: 1, duplicate });

function holdWithLog(): { hold: AckHold; written: string[] } {
  const written: string[] = [];
  const hold = new AckHold((frame) => written.push(frame.toString()), new AckHoldSweeper());
  return { hold, written };
}

describe('acks held for the sender’s own message', () => {
  it('an ack waits for its message and is handed to that message’s writer, to leave in its buffer; later messages release later acks in order', () => {
    const { hold, written } = holdWithLog();
    hold.joined('r', { epoch: 'e1', offset: 4 });
    expect(hold.offer(ack('r', 5), () => Buffer.from('ack5'))).toBe(true);
    expect(hold.offer(ack('r', 6), () => Buffer.from('ack6'))).toBe(true);
    expect(hold.dueWith({ room: 'r', epoch: 'e1', offset: 4 })).toBeUndefined();
    expect(hold.dueWith({ room: 'r', epoch: 'e1', offset: 5 })?.map(String)).toEqual(['ack5']);
    expect(hold.dueWith({ room: 'r', epoch: 'e1', offset: 6 })?.map(String)).toEqual(['ack6']);
    expect(hold.dueWith({ room: 'r', epoch: 'e1', offset: 7 })).toBeUndefined();
    expect(written).toEqual([]);
    hold.close();
  });

  it('goes at once for a duplicate, a room not joined, another epoch or a message already written', () => {
    const { hold } = holdWithLog();
    hold.joined('r', { epoch: 'e1', offset: 4 });
    expect(hold.offer(ack('r', 5, true), () => Buffer.from('dup'))).toBe(false);
    expect(hold.offer(ack('elsewhere', 5), () => Buffer.from('x'))).toBe(false);
    expect(hold.offer({ ...ack('r', 5), epoch: 'e2' }, () => Buffer.from('x'))).toBe(false);
    expect(hold.offer(ack('r', 4), () => Buffer.from('x'))).toBe(false);
    hold.close();
  });

  it('an ack whose message never comes goes alone after the bound; leaving the room releases its acks', () => {
    const { hold, written } = holdWithLog();
    hold.joined('r', { epoch: 'e1', offset: 0 });
    hold.joined('s', { epoch: 'e1', offset: 0 });
    hold.offer(ack('r', 1), () => Buffer.from('ack-r1'));
    hold.offer(ack('s', 1), () => Buffer.from('ack-s1'));
    expect(hold.expire(performance.now())).toBe(true);
    expect(written).toEqual([]);
    expect(hold.expire(performance.now() + ACK_HOLD_MAX_MS)).toBe(false);
    expect(written).toEqual(['ack-r1', 'ack-s1']);
    hold.offer(ack('r', 2), () => Buffer.from('ack-r2'));
    hold.left('r');
    expect(written).toEqual(['ack-r1', 'ack-s1', 'ack-r2']);
    hold.close();
  });
});
