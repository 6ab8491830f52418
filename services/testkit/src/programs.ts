import { spawnSync } from 'node:child_process';

const INSTALL_HINT = 'run `bash scripts/install-system-deps.sh`';
const present = new Set<string>();

/** Throws, naming the install step, when `name` is not on PATH: a missing program fails, never skips. */
export function requireProgram(name: string, hint = INSTALL_HINT): void {
  if (present.has(name)) return;
  if (spawnSync(name, ['-v'], { stdio: 'ignore' }).error) throw new Error(`${name} is not installed: ${hint}`);
  present.add(name);
}
