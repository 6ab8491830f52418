import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EventSource } from 'eventsource';
import { describe, expect, it } from 'vitest';
import { Collector } from '@chat/testkit';
import { useCluster } from './support/cluster-fixture.js';

const cluster = useCluster({ gateways: 2 });

/** Runs curl without buffering and records when each piece of the body arrived. */
function curlChunks(url: string): Promise<{ chunks: Array<{ at: number; text: string }>; headers: string }> {
  const dir = mkdtempSync(join(tmpdir(), 'seed-demo-'));
  const headerFile = join(dir, 'headers');
  return new Promise<{ chunks: Array<{ at: number; text: string }>; headers: string }>((resolve, reject) => {
    const started = performance.now();
    const curl = spawn('curl', ['-sS', '-N', '-D', headerFile, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    const chunks: Array<{ at: number; text: string }> = [];
    let errors = '';
    curl.stdout.on('data', (data: Buffer) => chunks.push({ at: performance.now() - started, text: data.toString() }));
    curl.stderr.on('data', (data: Buffer) => (errors += data.toString()));
    curl.once('error', reject);
    curl.once('close', (code, signal) => {
      if (code === 0) resolve({ chunks, headers: readFileSync(headerFile, 'utf8') });
      else reject(new Error(`curl exited with ${code ?? signal}: ${errors}`));
    });
  }).finally(() => rmSync(dir, { recursive: true, force: true }));
}

describe.concurrent('the seed demos through nginx', () => {
  it('GET /stream sends 1, then 2 about two seconds later, then 3, and ends', async () => {
    const { chunks, headers } = await curlChunks(`${cluster().url}/stream`);
    expect(headers).toMatch(/content-type: text\/plain/i);
    expect(chunks.map((chunk) => chunk.text).join('')).toBe('123');
    expect(chunks.map((chunk) => chunk.text)).toEqual(['1', '2', '3']);
    const [one, two, three] = chunks.map((chunk) => chunk.at) as [number, number, number];
    // Loosely: the pauses are the seed's 2 s, give or take a busy machine.
    expect(two - one).toBeGreaterThan(1500);
    expect(two - one).toBeLessThan(3500);
    expect(three - two).toBeGreaterThan(1500);
    expect(three - two).toBeLessThan(3500);
  });

  it('GET /eventsource ticks every second, ends after about ten seconds, and an EventSource reconnects by itself', async () => {
    const source = new EventSource(`${cluster().url}/eventsource`);
    const ticks = new Collector<{ at: number; data: string }>();
    const opens = new Collector<number>();
    const ends = new Collector<number>();
    const started = performance.now();
    source.onopen = () => opens.push(performance.now() - started);
    source.onmessage = (event) => ticks.push({ at: performance.now() - started, data: String(event.data) });
    source.onerror = () => ends.push(performance.now() - started);
    try {
      await ends.waitForCount(1, { timeoutMs: 20_000 });
      await opens.waitForCount(2, { timeoutMs: 20_000 });
    } finally {
      source.close();
    }
    const firstStream = ticks.items.filter((tick) => tick.at < ends.items[0]!);
    expect(firstStream.map((tick) => tick.data)).toEqual(Array.from({ length: 10 }, () => 'Tick'));
    const gaps = firstStream.slice(1).map((tick, index) => tick.at - firstStream[index]!.at);
    for (const gap of gaps) expect(gap).toBeGreaterThan(500);
    expect(ends.items[0]!).toBeGreaterThan(8000);
    expect(ends.items[0]!).toBeLessThan(14_000);
  });
});
