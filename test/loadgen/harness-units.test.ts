import { describe, expect, it } from 'vitest';
import { isJsonMessage, offsetOf, sendTimeOf } from '../../services/loadgen/src/gen/frames.js';
import { slope } from '../../services/loadgen/src/stats/slope.js';
import { withOpenFiles } from '../../services/loadgen/src/util/open-files.js';
import { oneSenderRoomsLayout, splitRate } from '../../services/loadgen/src/scenarios/layout.js';
import { commandStatDeltas, parseCommandStats } from '../../services/loadgen/src/checks/redis-commandstats.js';
import type { ServerUnderTest } from '../../services/loadgen/src/servers/types.js';
import { stageOf } from '../../services/loadgen/src/profile/stage-table.js';

describe('load generator frame scanning', () => {
  it('a joined frame that carries history messages is not taken for a message', () => {
    const joined = Buffer.from('{"type":"joined","room":"r","epoch":"e","offset":2,"messages":[{"type":"message","room":"r","epoch":"e","offset":2,"nick":"a","text":"t=1.5","ts":1}]}');
    const message = Buffer.from('{"type":"message","room":"r","epoch":"e","offset":3,"nick":"a","text":"t=12.25;pad","ts":1}');
    expect(isJsonMessage(joined)).toBe(false);
    expect(isJsonMessage(message)).toBe(true);
    expect(offsetOf(message)).toBe(3);
    expect(sendTimeOf(message)).toBe(12.25);
  });
});

describe('soak slope', () => {
  it('is the least-squares slope, and 0 without two points', () => {
    expect(slope([[0, 1], [1, 3], [2, 5]])).toBeCloseTo(2);
    expect(slope([[0, 10], [1, 10]])).toBe(0);
    expect(slope([[5, 1]])).toBe(0);
  });
});

describe('open-file limit for child processes', () => {
  it('raises the limit in a shell that execs the command with the same arguments', () => {
    const launch = withOpenFiles(120_000, '/usr/bin/node', ['main.js', '--flag']);
    expect(launch.command).toBe('/bin/sh');
    expect(launch.args.slice(-3)).toEqual(['/usr/bin/node', 'main.js', '--flag']);
    expect(launch.args[1]).toContain('ulimit -Sn 120000');
  });
});

describe('chat-rate layout and Redis statistics', () => {
  const server = { kind: 'ours', protocol: 'json', urls: ['ws://a/ws'] } as unknown as ServerUnderTest;

  it('puts rooms of 10 whole into generators, with exactly one sender per room', () => {
    const layout = oneSenderRoomsLayout(server, 1000, 10, 2, 'r-');
    const specs = layout.flat();
    expect(specs).toHaveLength(1000);
    const sendersByRoom = new Map<string, number>();
    for (const spec of specs) sendersByRoom.set(spec.room, (sendersByRoom.get(spec.room) ?? 0) + (spec.sender ? 1 : 0));
    expect(sendersByRoom.size).toBe(100);
    expect([...sendersByRoom.values()].every((senders) => senders === 1)).toBe(true);
    for (const room of sendersByRoom.keys()) expect(layout.filter((generator) => generator.some((spec) => spec.room === room))).toHaveLength(1);
    expect(splitRate(2000, layout)).toEqual([1000, 1000]);
  });

  it('reads INFO commandstats and gives per-window deltas with µs per call', () => {
    const before = parseCommandStats('# Commandstats\r\ncmdstat_evalsha:calls=10,usec=200,usec_per_call=20.00,rejected_calls=0,failed_calls=0\r\ncmdstat_info:calls=3,usec=90,usec_per_call=30.00\r\n');
    const after = parseCommandStats('# Commandstats\r\ncmdstat_evalsha:calls=110,usec=2700,usec_per_call=24.50\r\ncmdstat_publish:calls=5,usec=10,usec_per_call=2.00\r\ncmdstat_info:calls=4,usec=120,usec_per_call=30.00\r\n');
    expect(commandStatDeltas(before, after)).toEqual({ evalsha: { calls: 100, usec: 2500, usecPerCall: 25 }, publish: { calls: 5, usec: 10, usecPerCall: 2 } });
  });
});

describe('chat-path stage table', () => {
  it('gives a sample to the deepest frame a stage recognises', () => {
    const flush = 'flush services/gateway/dist/transports/write-coalescer.js:38';
    const deliver = 'deliver services/core/dist/session/chat-session.js:128';
    expect(stageOf(['writev', 'Socket._writev node:net:964', flush, 'processImmediate node:internal/timers:438'])).toMatch(/^writes/);
    expect(stageOf(['sendFrame services/gateway/dist/transports/ws-outlet.js:29', deliver, 'onMessage services/core/dist/hub/room-hub.js:32'])).toMatch(/^per-member/);
    expect(stageOf(['frameOf services/gateway/dist/transports/frame-cache.js:14', '(anonymous) services/gateway/dist/transports/ws-json.js:33', deliver])).toMatch(/^channel message/);
    expect(stageOf(['writeUtf8String', 'write ~/ioredis/built/Pipeline.js:307', 'send services/core/dist/session/chat-session.js:245'])).toMatch(/^ioredis/);
    expect(stageOf(['(garbage collector)'])).toBe('GC');
    expect(stageOf(['(program)'])).toMatch(/^other/);
  });
});
