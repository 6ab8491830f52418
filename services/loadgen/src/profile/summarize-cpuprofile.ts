/**
 * `tsx services/loadgen/src/profile/summarize-cpuprofile.ts <file.cpuprofile>… [--top=N]`
 * Sums self time by function (name + file:line) over one or more V8 .cpuprofile files
 * (as written by `node --cpu-prof`) and prints the top entries with their share;
 * `--callers=<function> [--depth=N]` instead shows which call paths that function's self time comes from;
 * `--inclusive=<fn>,<fn>` the inclusive time (self + callees) of each named function.
 * `--timeline` prints the busy ms of each second; `--from=S --to=S` (seconds since the profile
 * started) keeps only the samples of that window, e.g. the measured steps without start-up and joins.
 */
import { readFileSync } from 'node:fs';

export interface ProfileNode {
  readonly id: number;
  readonly children?: readonly number[];
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
}

export interface CpuProfile {
  readonly nodes: readonly ProfileNode[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export function isCpuProfile(value: unknown): value is CpuProfile {
  if (typeof value !== 'object' || value === null) return false;
  const record = value as Record<string, unknown>;
  return Array.isArray(record.nodes) && Array.isArray(record.samples) && Array.isArray(record.timeDeltas);
}

export function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '~/').replace(/^.*\/services\//, 'services/');
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

/** Self time in microseconds per function label, summed over profiles. */
export function selfTimeByFunction(profiles: readonly CpuProfile[]): Map<string, number> {
  const totals = new Map<string, number>();
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    profile.samples.forEach((id, i) => {
      const node = byId.get(id);
      if (!node) return;
      const key = label(node);
      totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
  }
  return totals;
}

/** Self time of functions whose label starts with `name`, by their call path (up to `depth` callers). */
export function selfTimeByCaller(profiles: readonly CpuProfile[], name: string, depth: number): Map<string, number> {
  const totals = new Map<string, number>();
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parentOf = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
    profile.samples.forEach((id, i) => {
      const node = byId.get(id);
      if (!node || !label(node).startsWith(name)) return;
      const path: string[] = [];
      for (let at = parentOf.get(id); at !== undefined && path.length < depth; at = parentOf.get(at)) {
        const parent = byId.get(at);
        if (parent) path.push(label(parent));
      }
      const key = path.join(' ← ');
      totals.set(key, (totals.get(key) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
  }
  return totals;
}

/** Inclusive time (self + callees) of the functions whose label starts with one of `names`. */
export function inclusiveTime(profiles: readonly CpuProfile[], names: readonly string[]): Map<string, number> {
  const totals = new Map<string, number>(names.map((name) => [name, 0]));
  for (const profile of profiles) {
    const byId = new Map(profile.nodes.map((node) => [node.id, node]));
    const parentOf = new Map<number, number>();
    for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
    profile.samples.forEach((id, i) => {
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parentOf.get(at)) {
        const node = byId.get(at);
        if (!node) break;
        const text = label(node);
        for (const name of names) if (!seen.has(name) && text.startsWith(name)) seen.add(name);
      }
      for (const name of seen) totals.set(name, (totals.get(name) ?? 0) + (profile.timeDeltas[i] ?? 0));
    });
  }
  return totals;
}

function isIdle(node: ProfileNode | undefined): boolean {
  return node === undefined || node.callFrame.functionName === '(idle)';
}

/** The profile with only the samples taken between `fromS` and `toS` seconds after it started. */
export function windowed(profile: CpuProfile, fromS: number, toS: number): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  let at = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    if (at >= fromS * 1e6 && at < toS * 1e6) {
      samples.push(id);
      timeDeltas.push(profile.timeDeltas[i] ?? 0);
    }
  });
  return { nodes: profile.nodes, samples, timeDeltas };
}

/** Busy (not idle) milliseconds per second of a profile. */
export function timeline(profile: CpuProfile): number[] {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const busy: number[] = [];
  let at = 0;
  profile.samples.forEach((id, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    at += delta;
    const second = Math.floor(at / 1e6);
    if (!isIdle(byId.get(id))) busy[second] = (busy[second] ?? 0) + delta / 1000;
  });
  return Array.from(busy, (ms) => Math.round(ms ?? 0));
}

function main(argv: readonly string[]): void {
  const top = Number(argv.find((arg) => arg.startsWith('--top='))?.slice(6) ?? 25);
  const files = argv.filter((arg) => !arg.startsWith('--'));
  if (files.length === 0) throw new Error('usage: summarize-cpuprofile <file.cpuprofile>… [--top=N]');
  const from = Number(argv.find((arg) => arg.startsWith('--from='))?.slice(7) ?? 0);
  const to = Number(argv.find((arg) => arg.startsWith('--to='))?.slice(5) ?? Number.POSITIVE_INFINITY);
  const profiles = files.map((file) => {
    const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
    if (!isCpuProfile(parsed)) throw new Error(`${file} is not a .cpuprofile`);
    return windowed(parsed, from, to);
  });
  if (argv.includes('--timeline')) {
    files.forEach((file, i) => process.stdout.write(`${file}: busy ms per second: ${timeline(profiles[i] as CpuProfile).join(' ')}\n`));
    return;
  }
  const inclusive = argv.find((arg) => arg.startsWith('--inclusive='))?.slice(12);
  if (inclusive) {
    for (const [name, micros] of inclusiveTime(profiles, inclusive.split(','))) process.stdout.write(`${(micros / 1000).toFixed(0).padStart(7)} ms  ${name} (inclusive)\n`);
    return;
  }
  const callers = argv.find((arg) => arg.startsWith('--callers='))?.slice(10);
  if (callers) {
    const depth = Number(argv.find((arg) => arg.startsWith('--depth='))?.slice(8) ?? 3);
    for (const [path, micros] of [...selfTimeByCaller(profiles, callers, depth)].sort((a, b) => b[1] - a[1]).slice(0, top)) {
      process.stdout.write(`${(micros / 1000).toFixed(0).padStart(7)} ms  ${callers} ← ${path}\n`);
    }
    return;
  }
  const totals = [...selfTimeByFunction(profiles)].sort((a, b) => b[1] - a[1]);
  const all = totals.reduce((sum, [, micros]) => sum + micros, 0);
  const busy = totals.filter(([name]) => !name.startsWith('(idle)')).reduce((sum, [, micros]) => sum + micros, 0);
  process.stdout.write(`${files.length} profile(s): ${(all / 1e6).toFixed(2)} s sampled, ${(busy / 1e6).toFixed(2)} s not idle\n`);
  process.stdout.write(`| self ms | % of non-idle | function |\n| ---: | ---: | --- |\n`);
  for (const [name, micros] of totals.slice(0, top)) {
    const share = name.startsWith('(idle)') ? '' : `${((micros / busy) * 100).toFixed(1)}%`;
    process.stdout.write(`| ${(micros / 1000).toFixed(0)} | ${share} | ${name.replace(/\|/g, '\\|')} |\n`);
  }
}

if (import.meta.url === `file://${process.argv[1] ?? ''}`) main(process.argv.slice(2));
