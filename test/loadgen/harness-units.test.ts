import { describe, expect, it } from 'vitest';
import { isJsonMessage, offsetOf, sendTimeOf } from '../../services/loadgen/src/gen/frames.js';
import { slope } from '../../services/loadgen/src/stats/slope.js';
import { withOpenFiles } from '../../services/loadgen/src/util/open-files.js';

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
