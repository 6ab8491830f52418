import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, describe, expect, it } from 'vitest';
import { freePort } from '@chat/testkit';
import { HeapSampler, topAllocationSites } from '../../services/loadgen/src/profile/heap-sampler.js';

// A process that, each time it reads a line, allocates small arrays it keeps (allocateOnRequest)
// and as many it drops at once (allocateGarbage).
const ALLOCATOR = `
const kept = [];
let dropped = 0;
function allocateOnRequest() {
  for (let i = 0; i < 100000; i++) kept.push(new Array(8).fill(i));
}
function allocateGarbage() {
  for (let i = 0; i < 100000; i++) dropped += new Array(8).fill(i).length;
}
require('node:readline').createInterface({ input: process.stdin }).on('line', () => {
  allocateOnRequest();
  allocateGarbage();
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

  /** Samples one request of the allocator in `mode`: bytes by function name. */
  async function sampleOneRequest(mode: 'all' | 'promoted'): Promise<{ sampledBytes: number; byFunction: Map<string, number>; sites: string[] }> {
    dir = mkdtempSync(join(tmpdir(), 'heap-sampler-'));
    const script = join(dir, 'allocator.cjs');
    writeFileSync(script, ALLOCATOR);
    const port = await freePort();
    child = spawn(process.execPath, [`--inspect=127.0.0.1:${port}`, '--expose-gc', script], { stdio: ['pipe', 'pipe', 'ignore'] });
    const lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    expect((await lines.next()).value).toBe('ready');
    const sampler = await HeapSampler.open(port);
    try {
      await sampler.start(mode);
      child.stdin!.write('go\n');
      expect((await lines.next()).value).toBe('allocated');
      const { sampledBytes, sites } = topAllocationSites(await sampler.stop(), 10);
      const byFunction = new Map(sites.map(({ site, bytes }) => [site.slice(0, site.indexOf(' (')), bytes]));
      return { sampledBytes, byFunction, sites: sites.map(({ site }) => site) };
    } finally {
      sampler.close();
    }
  }

  it('samples a live process over its inspector and names the functions that allocated', async () => {
    const { sampledBytes, byFunction, sites } = await sampleOneRequest('all');
    expect(sampledBytes).toBeGreaterThan(2_000_000);
    expect(sites[0]).toMatch(/^allocate(OnRequest|Garbage) \(.*allocator\.cjs:\d+\)$/);
    expect(byFunction.get('allocateGarbage')).toBeGreaterThan(500_000);
  });

  it('with promoted, keeps what survives and drops what died young, even when it died after the last scavenge', async () => {
    const { byFunction } = await sampleOneRequest('promoted');
    expect(byFunction.get('allocateOnRequest')).toBeGreaterThan(1_000_000);
    expect(byFunction.get('allocateGarbage') ?? 0).toBeLessThan((byFunction.get('allocateOnRequest') ?? 0) / 10);
  });
});
