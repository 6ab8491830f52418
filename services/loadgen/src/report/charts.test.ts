import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Row } from '../scenarios/types.js';
import { benchCharts, writeCharts } from './charts.js';
import { linearTicks, logTicks } from './charts-svg.js';

const hotpath = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', '..', '..', 'bench-results', 'hotpath.json'), 'utf8')) as { rows: Row[] };

describe('benchmark charts', () => {
  it('draws p99 against deliveries/s for each throughput scenario, memory per connection and deliveries per CPU-second from a real run', () => {
    const charts = benchCharts(hotpath.rows);
    expect(charts.map((chart) => chart.name)).toEqual(['chat-p99-vs-deliveries', 'broadcast-p99-vs-deliveries', 'memory-per-connection', 'deliveries-per-cpu-second']);
    for (const { svg } of charts) {
      expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
      expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
      for (const server of ['ours (2 gateways)', 'Socket.IO + adapter', 'ws ceiling']) expect(svg).toContain(server);
      expect(svg).not.toMatch(/NaN|undefined|Infinity/);
    }
    const chat = charts[0]?.svg ?? '';
    expect(chat.match(/<polyline/g)).toHaveLength(3);
    // The run's figures are on the charts: 9.57 KB per idle WebSocket for ours.
    expect(charts[2]?.svg).toContain('>9.57<');
  });

  it('writes one file per chart beside the results, named after them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'chat-charts-'));
    try {
      const paths = writeCharts(dir, 'run', hotpath.rows);
      expect((await readdir(dir)).sort()).toEqual(paths.map((path) => path.slice(dir.length + 1)).sort());
      expect(paths).toContain(join(dir, 'run-memory-per-connection.svg'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('leaves out what a run did not measure, and escapes text', () => {
    expect(benchCharts([])).toEqual([]);
    const row: Row = { scenario: 'idle 100', server: 'ours', knee: undefined, kneeIsLowerBound: false, deliveriesPerCpuSecond: undefined, p50: undefined, p99: undefined, kbPerConnection: 5, note: '', detail: {} };
    const charts = benchCharts([row, { ...row, server: '<script>' as Row['server'] }]);
    expect(charts.map((chart) => chart.name)).toEqual(['memory-per-connection']);
    expect(charts[0]?.svg).not.toContain('<script>');
  });

  it('picks round ticks', () => {
    expect(linearTicks(113_133)).toEqual([0, 25_000, 50_000, 75_000, 100_000, 125_000]);
    expect(logTicks(9, 1200)).toEqual([5, 10, 20, 50, 100, 200, 500, 1000, 2000]);
  });
});
