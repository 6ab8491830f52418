#!/usr/bin/env node
// Bundles the browser client (services/gateway/client/main.ts) into services/gateway/public/app.js.
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

await build({
  absWorkingDir: root,
  entryPoints: ['services/gateway/client/main.ts'],
  outfile: 'services/gateway/public/app.js',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  tsconfig: 'services/gateway/client/tsconfig.json',
  logLevel: 'warning',
});
console.log('built services/gateway/public/app.js');

// The /admin page (services/gateway/admin-page/main.ts) into services/gateway/public/admin.js.
await build({
  absWorkingDir: root,
  entryPoints: ['services/gateway/admin-page/main.ts'],
  outfile: 'services/gateway/public/admin.js',
  bundle: true,
  format: 'iife',
  platform: 'browser',
  target: 'es2020',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  tsconfig: 'services/gateway/admin-page/tsconfig.json',
  logLevel: 'warning',
});
console.log('built services/gateway/public/admin.js');
