/**
 * `npx tsx services/loadgen/src/baseline-snapshot.ts <dir>`: copies this tree's built packages
 * (protocol, core, gateway, client, testkit; no node_modules) to `<dir>` and links every other
 * dependency from this tree's node_modules, so `npm run bench -- --baseline=<dir>` runs that
 * gateway as the `baseline` server beside `ours`: a before/after measured in one run.
 */
import { cpSync, existsSync, mkdirSync, readdirSync, rmSync, symlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from './util/paths.js';

const PACKAGES = ['protocol', 'core', 'gateway', 'client', 'testkit'];

function snapshot(target: string): void {
  if (!existsSync(join(REPO_ROOT, 'services/gateway/dist/main.js'))) throw new Error('build first: npm run build');
  rmSync(target, { recursive: true, force: true });
  mkdirSync(join(target, 'node_modules/@chat'), { recursive: true });
  for (const name of PACKAGES) {
    cpSync(join(REPO_ROOT, 'services', name), join(target, 'services', name), { recursive: true, filter: (source) => !source.includes('/node_modules') });
    symlinkSync(join(target, 'services', name), join(target, 'node_modules/@chat', name));
  }
  for (const entry of readdirSync(join(REPO_ROOT, 'node_modules'))) {
    if (entry !== '@chat' && entry !== '.bin' && entry !== '.cache') symlinkSync(join(REPO_ROOT, 'node_modules', entry), join(target, 'node_modules', entry));
  }
  cpSync(join(REPO_ROOT, 'package.json'), join(target, 'package.json'));
  process.stdout.write(`baseline snapshot in ${target}: npm run bench -- --baseline=${target}\n`);
}

const target = process.argv[2];
if (!target) throw new Error('usage: baseline-snapshot.ts <dir>');
snapshot(resolve(target));
