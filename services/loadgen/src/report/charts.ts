import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Row } from '../scenarios/types.js';
import { barChart, lineChart, type BarGroup, type LineSeries } from './charts-svg.js';

/** Each server's name and colour in every chart: ours, the Socket.IO peer, the bare ws ceiling. */
const SERVERS: Record<string, { name: string; color: string }> = {
  ours: { name: 'ours (2 gateways)', color: '#2557d6' },
  baseline: { name: 'ours, baseline tree', color: '#7fa3f0' },
  socketio: { name: 'Socket.IO + adapter', color: '#e0793c' },
  ceiling: { name: 'ws ceiling', color: '#8a919e' },
};
const serverOf = (kind: string) => SERVERS[kind] ?? { name: kind, color: '#444' };

export interface Chart {
  readonly name: string;
  readonly svg: string;
}

interface LadderStep {
  readonly ratePerSec: number;
  readonly deliveriesPerSec: number;
  readonly p99: number;
}

/**
 * The ladder steps a throughput row measured (detail.steps[]: ratePerSec, deliveriesPerSec,
 * latency.p99); a step run again after a failure counts once, as its last run.
 */
function ladderSteps(row: Row): LadderStep[] {
  const steps = (row.detail as { steps?: unknown } | undefined)?.steps;
  if (!Array.isArray(steps)) return [];
  const byRate = new Map<number, LadderStep>();
  for (const step of steps as unknown[]) {
    const { ratePerSec, deliveriesPerSec, latency } = (step ?? {}) as { ratePerSec?: unknown; deliveriesPerSec?: unknown; latency?: { p99?: unknown } };
    if (typeof ratePerSec !== 'number' || typeof deliveriesPerSec !== 'number' || typeof latency?.p99 !== 'number') continue;
    byRate.set(ratePerSec, { ratePerSec, deliveriesPerSec, p99: latency.p99 });
  }
  return [...byRate.values()].sort((a, b) => a.ratePerSec - b.ratePerSec);
}

function throughputChart(scenario: string, rows: readonly Row[]): Chart | undefined {
  const series: LineSeries[] = rows
    .filter((row) => row.scenario === scenario)
    .map((row) => ({ ...serverOf(row.server), points: ladderSteps(row).map((step) => [step.deliveriesPerSec, step.p99] as const) }))
    .filter((entry) => entry.points.length > 0);
  if (series.length === 0) return undefined;
  return {
    name: `${scenario}-p99-vs-deliveries`,
    svg: lineChart({
      title: `${scenario}: p99 latency as the load climbs`,
      subtitle: 'each dot is one ladder step: end-to-end p99 at the deliveries/s the clients received',
      xLabel: 'deliveries per second',
      yLabel: 'p99 latency (ms, log scale)',
      series,
    }),
  };
}

function memoryChart(rows: readonly Row[]): Chart | undefined {
  const idle = rows.filter((row) => row.scenario.startsWith('idle') && typeof row.kbPerConnection === 'number');
  const counts = [...new Set(idle.map((row) => row.scenario))];
  const groups: BarGroup[] = counts.map((scenario) => ({
    label: `${Number(scenario.split(' ')[1] ?? 0).toLocaleString('en-US')} idle WebSockets`,
    bars: idle.filter((row) => row.scenario === scenario).map((row) => ({ ...serverOf(row.server), value: row.kbPerConnection ?? 0 })),
  }));
  if (groups.length === 0) return undefined;
  return {
    name: 'memory-per-connection',
    svg: barChart({ title: 'Memory per idle WebSocket', subtitle: 'RSS growth of the server processes divided by connections (lower is better)', yLabel: 'KB RSS per connection', groups }),
  };
}

function efficiencyChart(rows: readonly Row[]): Chart | undefined {
  const measured = rows.filter((row) => typeof row.deliveriesPerCpuSecond === 'number');
  const scenarios = [...new Set(measured.map((row) => row.scenario))];
  const groups: BarGroup[] = scenarios.map((scenario) => ({
    label: scenario,
    bars: measured.filter((row) => row.scenario === scenario).map((row) => ({ ...serverOf(row.server), value: row.deliveriesPerCpuSecond ?? 0 })),
  }));
  if (groups.length === 0) return undefined;
  return {
    name: 'deliveries-per-cpu-second',
    svg: barChart({ title: 'Deliveries per CPU-second at the knee', subtitle: 'all server processes counted (gateways and Redis); higher is better', yLabel: 'deliveries per CPU-second', groups }),
  };
}

/** The charts a run's rows support: p99 against deliveries/s per throughput scenario, memory, efficiency. */
export function benchCharts(rows: readonly Row[]): Chart[] {
  const throughput = [...new Set(rows.filter((row) => ladderSteps(row).length > 0).map((row) => row.scenario))];
  return [...throughput.map((scenario) => throughputChart(scenario, rows)), memoryChart(rows), efficiencyChart(rows)].filter((chart): chart is Chart => chart !== undefined);
}

/** Writes each chart as `<dir>/<stem>-<chart>.svg`; returns the paths. */
export function writeCharts(dir: string, stem: string, rows: readonly Row[]): string[] {
  mkdirSync(dir, { recursive: true });
  return benchCharts(rows).map((chart) => {
    const path = join(dir, `${stem}-${chart.name}.svg`);
    writeFileSync(path, chart.svg);
    return path;
  });
}
