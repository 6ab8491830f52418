#!/usr/bin/env node
// Makes @chat/client installable outside this repository: the wire contract (@chat/protocol) is
// bundled in, so the package has no dependency of its own. After `tsc -b` wrote the declarations
// to dist/types, it writes
//   dist/index.js    ESM bundle          dist/types/**.d.ts    its types (protocol's under protocol/)
//   dist/index.cjs   CommonJS bundle     dist/types-cjs/**.d.cts the same types for `require`
import { build } from 'esbuild';
import { cp, mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const client = fileURLToPath(new URL('..', import.meta.url));
const protocol = join(client, '../protocol');
const dist = join(client, 'dist');

for (const format of ['esm', 'cjs']) {
  await build({
    absWorkingDir: client,
    entryPoints: ['src/index.ts'],
    outfile: `dist/index.${format === 'esm' ? 'js' : 'cjs'}`,
    bundle: true,
    format,
    platform: 'neutral',
    target: 'es2020',
    alias: { '@chat/protocol': join(protocol, 'src/index.ts') },
    tsconfig: 'tsconfig.json',
    legalComments: 'none',
    logLevel: 'warning',
  });
}

async function filesUnder(folder) {
  const entries = await readdir(folder, { withFileTypes: true, recursive: true });
  return entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath ?? entry.path, entry.name));
}

// The declarations name '@chat/protocol': point them at a copy of its declarations inside the package.
const types = join(dist, 'types');
await rm(join(types, 'protocol'), { recursive: true, force: true });
await cp(join(protocol, 'dist'), join(types, 'protocol'), { recursive: true, filter: (source) => !/\.(js|js\.map)$/.test(source) });
for (const file of await filesUnder(types)) {
  if (!file.endsWith('.d.ts')) continue;
  let target = relative(dirname(file), join(types, 'protocol/index.js'));
  if (!target.startsWith('.')) target = `./${target}`;
  const text = await readFile(file, 'utf8');
  const rewritten = text.replace(/(['"])@chat\/protocol\1/g, `$1${target}$1`);
  if (rewritten !== text) await writeFile(file, rewritten);
}

// `require` needs CommonJS declarations (.d.cts naming .cjs files), else TypeScript calls the import ESM-only.
const typesCjs = join(dist, 'types-cjs');
await rm(typesCjs, { recursive: true, force: true });
for (const file of await filesUnder(types)) {
  if (!file.endsWith('.d.ts')) continue;
  const out = join(typesCjs, relative(types, file)).replace(/\.d\.ts$/, '.d.cts');
  await mkdir(dirname(out), { recursive: true });
  const text = await readFile(file, 'utf8');
  await writeFile(out, text.replace(/(['"])(\.{1,2}\/[^'"]*?)\.js\1/g, '$1$2.cjs$1'));
}
console.log('built services/client/dist (index.js, index.cjs, types)');
