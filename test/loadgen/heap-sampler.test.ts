import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@chat/testkit';
import { HeapSampler, topAllocationSites } from '../../services/loadgen/src/profile/heap-sampler.js';

// A process that allocates 8 MB of small arrays in a named function each time it reads a line.
const ALLOCATOR = `
const kept = [];
function allocateOnRequest() {
  for (let i = 0; i < 100000; i++) kept.push(new Array(8).fill(i));
  if (kept.length > 400000) kept.length = 0;
}
require('node:readline').createInterface({ input: process.stdin }).on('line', () => {
  allocateOnRequest();
  process.stdout.write('allocated\\n');
});
process.stdout.write('ready\\n');
`;

describe('the heap sampler of the bench (--heap-sample)', () => {
  let child: ChildProcess | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    if (child && child.exitCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('samples a live process over its inspector and names the function that allocated', async () => {
    dir = mkdtempSync(join(tmpdir(), 'heap-sampler-'));
    const script = join(dir, 'allocator.cjs');
    writeFileSync(script, ALLOCATOR);
    const port = await freePort();
    child = spawn(process.execPath, [`--inspect=127.0.0.1:${port}`, script], { stdio: ['pipe', 'pipe', 'ignore'] });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    expect((await lines.next()).value).toBe('ready');

    const sampler = await HeapSampler.open(port);
    try {
      await sampler.start('all');
      child.stdin!.write('go\n');
      expect((await lines.next()).value).toBe('allocated');
      const { sampledBytes, sites } = topAllocationSites(await sampler.stop(), 5);
      expect(sampledBytes).toBeGreaterThan(1_000_000);
      expect(sites[0]?.site).toMatch(/^allocateOnRequest \(.*allocator\.cjs:\d+\)$/);
    } finally {
      sampler.close();
    }
  });
});
