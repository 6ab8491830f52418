import { decodeCursor, encodeCursor, parseServerEvent, type ChatMessage } from '@chat/protocol';
import { describe, expect, it } from 'vitest';
import { Backoff } from '../../services/client/src/backoff.js';
import { newCid } from '../../services/client/src/cid.js';
import { Outbox } from '../../services/client/src/outbox.js';
import { RoomPositions } from '../../services/client/src/room-positions.js';
import { TransportPicker } from '../../services/client/src/transport-picker.js';

const message = (offset: number, epoch = 'e1', room = 'lobby'): ChatMessage => ({ room, epoch, offset, nick: 'n', text: `m${offset}`, ts: 0 });

describe('browser client logic', () => {
  it('backoff delays are full-jitter: uniform below a doubling ceiling that stops at the cap', () => {
    const top = new Backoff(100, 1_000, () => 0.999999);
    expect([1, 2, 3, 4, 5, 6].map(() => top.next())).toEqual([99, 199, 399, 799, 999, 999]);
    const bottom = new Backoff(100, 1_000, () => 0);
    expect(bottom.next()).toBe(0);
    top.reset();
    expect(top.next()).toBe(99);
  });

  it('shows every (room, epoch, offset) once, whatever path it arrived by', () => {
    const positions = new RoomPositions();
    expect(positions.accept(message(1))).toBe(true);
    expect(positions.accept(message(1))).toBe(false);
    const joined = positions.applyJoined({ type: 'joined', room: 'lobby', epoch: 'e1', offset: 3, recovered: true, messages: [message(1), message(2), message(3)], presence: [] });
    expect(joined.fresh.map((m) => m.offset)).toEqual([2, 3]);
    expect(joined.maybeMissing).toBe(false);
    expect(positions.get('lobby')).toEqual({ epoch: 'e1', offset: 3 });
    expect(positions.accept(message(1, 'lobby-other', 'other'))).toBe(true);
  });

  it('says messages may be missing when the server did not recover or the epoch changed', () => {
    const positions = new RoomPositions();
    positions.accept(message(5));
    const lost = positions.applyJoined({ type: 'joined', room: 'lobby', epoch: 'e2', offset: 0, recovered: true, messages: [], presence: [] });
    expect(lost.maybeMissing).toBe(true);
    expect(positions.get('lobby')).toEqual({ epoch: 'e2', offset: 0 });
    expect(positions.accept(message(1, 'e2'))).toBe(true);
    const honest = positions.applyJoined({ type: 'joined', room: 'lobby', epoch: 'e2', offset: 9, recovered: false, messages: [], presence: [] });
    expect(honest.maybeMissing).toBe(true);
  });

  it('builds resume cursors the server decodes, byte for byte the same as Node base64url', () => {
    const positions = new Map([
      ['lobby', { epoch: 'HU8h5xTg1', offset: 42 }],
      ['room.2', { epoch: 'ab-_', offset: 0 }],
    ]);
    const cursor = encodeCursor(positions);
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).toBe(Buffer.from(JSON.stringify({ lobby: ['HU8h5xTg1', 42], 'room.2': ['ab-_', 0] })).toString('base64url'));
    expect(decodeCursor(cursor)).toEqual(new Map(positions));
  });

  it('falls back WebSocket → SSE → long-poll when a transport never opens, then starts over with backoff', () => {
    const picker = new TransportPicker(['websocket', 'sse', 'long-poll'], new Backoff(100, 1_000, () => 0.5));
    expect(picker.current).toBe('websocket');
    expect(picker.afterClose({ opened: false, reason: 'refused', reconnect: 'backoff' })).toEqual({ transport: 'sse', delayMs: 0 });
    expect(picker.afterClose({ opened: false, reason: 'buffered', reconnect: 'backoff' })).toEqual({ transport: 'long-poll', delayMs: 0 });
    const cycle = picker.afterClose({ opened: false, reason: 'down', reconnect: 'backoff' });
    expect(cycle.transport).toBe('websocket');
    expect(cycle.delayMs).toBeGreaterThan(0);
  });

  it('keeps a transport that worked, reconnecting at once when the node drains', () => {
    const picker = new TransportPicker(['websocket', 'sse'], new Backoff(100, 1_000, () => 0.5));
    picker.opened();
    expect(picker.afterClose({ opened: true, code: 1012, reason: 'draining', reconnect: 'now' })).toEqual({ transport: 'websocket', delayMs: 0 });
    // A second drain right away (every node restarting) backs off instead of spinning.
    expect(picker.afterClose({ opened: true, code: 1012, reason: 'draining', reconnect: 'now' }).delayMs).toBeGreaterThan(0);
    expect(picker.afterClose({ opened: false, reason: 'refused', reconnect: 'backoff' }).transport).toBe('websocket');
    expect(picker.afterClose({ opened: false, reason: 'refused', reconnect: 'backoff' }).transport).toBe('websocket');
    expect(picker.afterClose({ opened: false, reason: 'refused', reconnect: 'backoff' }).transport).toBe('sse');
  });

  it('retries an unacknowledged send with the same cid and gives up after a bound', () => {
    const outbox = new Outbox();
    const item = outbox.add('lobby', 'hi');
    expect(item.cid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(outbox.due(0).map((i) => i.cid)).toEqual([item.cid]);
    let attempts = 0;
    while (outbox.attempt(item)) attempts += 1;
    expect(attempts).toBe(8);
    expect(item.state).toBe('failed');
    expect(outbox.due(0)).toEqual([]);
    expect(outbox.ack(item.cid)).toBe(item);
    expect(newCid()).not.toBe(newCid());
  });

  it('a send that failed for a temporary reason is due again after the retry delay, before the usual resend wait', () => {
    const outbox = new Outbox();
    const item = outbox.add('lobby', 'hi');
    expect(outbox.attempt(item)).toBe(true);
    const sentAt = item.lastAttemptAt;
    expect(outbox.due(8_000, sentAt + 500)).toEqual([]);
    outbox.retryIn(item.cid, 1_000, sentAt);
    expect(outbox.due(8_000, sentAt + 500)).toEqual([]);
    expect(outbox.due(8_000, sentAt + 1_000).map((due) => due.cid)).toEqual([item.cid]);
    expect(outbox.attempt(item)).toBe(true);
    expect(outbox.due(8_000, item.lastAttemptAt + 1_000)).toEqual([]);
  });

  it('validates server frames and rejects malformed ones', () => {
    expect(parseServerEvent({ type: 'message', room: 'r', epoch: 'e', offset: 1, nick: 'n', text: 't', ts: 5 })).toEqual({
      type: 'message', room: 'r', epoch: 'e', offset: 1, nick: 'n', text: 't', ts: 5,
    });
    expect(parseServerEvent({ type: 'message', room: 'r', epoch: 'e', offset: -1, nick: 'n', text: 't' })).toBeUndefined();
    expect(parseServerEvent({ type: 'message', room: 'r', epoch: 'e', offset: 1, nick: 'n', text: { html: 'x' } })).toBeUndefined();
    expect(parseServerEvent('{"type":"pong"}')).toBeUndefined();
    // The server names the failing frame in `for` (docs/PROTOCOL.md); the client must see it.
    expect(parseServerEvent({ type: 'error', code: 'rate_limited', message: 'slow down', retryAfterMs: 50, cid: 'c', for: 'send', room: 'r' })).toEqual({
      type: 'error', code: 'rate_limited', message: 'slow down', retryAfterMs: 50, cid: 'c', for: 'send', room: 'r',
    });
    const joined = parseServerEvent({ type: 'joined', room: 'r', epoch: 'e', offset: 2, recovered: false, messages: [{ type: 'message', epoch: 'e', offset: 2, nick: 'n', text: 't', ts: 1 }], presence: [{ nick: 'a' }] });
    expect(joined).toMatchObject({ type: 'joined', recovered: false, presence: [{ nick: 'a' }], messages: [{ room: 'r', offset: 2 }] });
    expect(parseServerEvent({ type: 'joined', room: 'r', epoch: 'e', offset: 2, recovered: false, messages: [7], presence: [] })).toBeUndefined();
  });
});
