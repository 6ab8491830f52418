#!/usr/bin/env node
// Bundles the browser pages into services/gateway/public/: the chat page (services/gateway/client)
// into app.js and the /admin page (services/gateway/admin-page) into admin.js.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const pages = [
  { source: 'services/gateway/client', bundle: 'app.js' },
  { source: 'services/gateway/admin-page', bundle: 'admin.js' },
];

for (const { source, bundle } of pages) {
  const outfile = `services/gateway/public/${bundle}`;
  await build({
    absWorkingDir: root,
    entryPoints: [`${source}/main.ts`],
    outfile,
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    legalComments: 'none',
    tsconfig: `${source}/tsconfig.json`,
    logLevel: 'warning',
  });
  console.log(`built ${outfile}`);
}
