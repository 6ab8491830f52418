import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const run = promisify(execFile);

describe('npm install on the Node the project declares', { timeout: 60_000 }, () => {
  it('warns about no dependency’s engine (EBADENGINE) and the project says which Node it needs', async () => {
    const manifest = JSON.parse(await readFile(`${repoRoot}package.json`, 'utf8')) as { engines: { node: string } };
    expect(manifest.engines.node).toBe('>=20.19');
    expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(20);
    // The lockfile's tree as `npm install` would build it, checked against this Node, nothing written.
    const { stdout, stderr } = await run('npm', ['install', '--dry-run', '--offline', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: repoRoot, timeout: 50_000 });
    expect(`${stdout}${stderr}`).not.toContain('EBADENGINE');
  });
});
