import type { Row } from '../scenarios/types.js';

const HEADERS = ['scenario', 'server', 'knee deliv/s', 'deliv/CPU-s', 'p50 ms ½knee', 'p99 ms ½knee', 'KB/conn', 'note'];

function num(value: number | undefined, digits = 0): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  return value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

function ratio(a: number | undefined, b: number | undefined): string {
  if (a === undefined || b === undefined || Number.isNaN(a) || Number.isNaN(b) || b === 0) return '-';
  return `${(a / b).toFixed(2)}×`;
}

function cells(row: Row): string[] {
  const knee = row.knee === undefined ? '-' : `${row.kneeIsLowerBound ? '≥' : ''}${num(row.knee)}`;
  return [row.scenario, row.server, knee, num(row.deliveriesPerCpuSecond), num(row.p50, 1), num(row.p99, 1), num(row.kbPerConnection, 2), row.note];
}

function ratioCells(scenario: string, label: string, us: Row, them: Row): string[] {
  return [
    scenario,
    label,
    ratio(us.knee, them.knee),
    ratio(us.deliveriesPerCpuSecond, them.deliveriesPerCpuSecond),
    ratio(us.p50, them.p50),
    ratio(us.p99, them.p99),
    ratio(us.kbPerConnection, them.kbPerConnection),
    '',
  ];
}

/** The rows of the table: every measurement, then per scenario the ratios us/Socket.IO and us/ceiling. */
export function tableLines(rows: readonly Row[]): string[][] {
  const lines: string[][] = [];
  const scenarios = [...new Set(rows.map((row) => row.scenario))];
  for (const scenario of scenarios) {
    const mine = rows.filter((row) => row.scenario === scenario);
    lines.push(...mine.map(cells));
    const us = mine.find((row) => row.server === 'ours');
    const socketio = mine.find((row) => row.server === 'socketio');
    const ceiling = mine.find((row) => row.server === 'ceiling');
    const baseline = mine.find((row) => row.server === 'baseline');
    if (us && baseline) lines.push(ratioCells(scenario, 'us/baseline', us, baseline));
    if (us && socketio) lines.push(ratioCells(scenario, 'us/Socket.IO', us, socketio));
    if (us && ceiling) lines.push(ratioCells(scenario, 'us/ceiling', us, ceiling));
  }
  return lines;
}

/** Renders the table as Markdown (readable in a terminal and pasteable into the README). */
export function renderTable(rows: readonly Row[]): string {
  const body = tableLines(rows);
  const widths = HEADERS.map((header, i) => Math.max(header.length, ...body.map((line) => (i === HEADERS.length - 1 ? 0 : (line[i] ?? '').length))));
  const render = (line: readonly string[]): string => `| ${line.map((cell, i) => cell.padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [render(HEADERS), render(widths.map((width) => '-'.repeat(Math.max(3, width)))), ...body.map(render)].join('\n');
}
