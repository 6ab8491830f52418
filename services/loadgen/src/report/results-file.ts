import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus, release } from 'node:os';
import { join } from 'node:path';

/** Writes the run as JSON to `<dir>/<timestamp>.json` and returns the path. */
export function writeResults(dir: string, startedAt: Date, payload: Record<string, unknown>): string {
  mkdirSync(dir, { recursive: true });
  const path = join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  const machine = { cpus: cpus().length, cpuModel: cpus()[0]?.model ?? 'unknown', kernel: release(), node: process.version };
  writeFileSync(path, `${JSON.stringify({ startedAt: startedAt.toISOString(), machine, ...payload }, null, 2)}\n`);
  return path;
}
