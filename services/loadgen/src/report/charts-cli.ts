// Charts from a results file already written: `npx tsx services/loadgen/src/report/charts-cli.ts bench-results/hotpath.json`
// writes bench-results/hotpath-*.svg beside it (what `npm run bench` does for each new run).
import { readFileSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import type { Row } from '../scenarios/types.js';
import { writeCharts } from './charts.js';

const file = process.argv[2];
if (!file) {
  process.stderr.write('usage: tsx services/loadgen/src/report/charts-cli.ts <bench-results/run.json>\n');
  process.exit(1);
}
const { rows } = JSON.parse(readFileSync(file, 'utf8')) as { rows?: Row[] };
if (!Array.isArray(rows)) {
  process.stderr.write(`${file}: no rows (not a bench results file)\n`);
  process.exit(1);
}
for (const path of writeCharts(dirname(file), basename(file, '.json'), rows)) process.stdout.write(`${path}\n`);
