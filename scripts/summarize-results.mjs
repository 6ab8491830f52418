// Prints one line `N passed, N failed` from vitest's JSON report, so a run that ran nothing shows.
// A test file that failed to load counts as one failure; so does each failed whole-tree check
// (typecheck, lint) that scripts/test recorded in test-results/checks.json.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

const file = process.argv[2] ?? 'test-results/vitest.json';
const checksFile = join(dirname(file), 'checks.json');
const checks = existsSync(checksFile) ? JSON.parse(readFileSync(checksFile, 'utf8')) : {};
const checksPassed = Object.values(checks).filter((ok) => ok === true).length;
const checksFailed = Object.values(checks).filter((ok) => ok !== true);
const failedNames = Object.entries(checks).filter(([, ok]) => ok !== true).map(([name]) => name);
const note = failedNames.length > 0 ? ` (failed checks: ${failedNames.join(', ')})` : '';
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const brokenFiles = (report.testResults ?? []).filter(
    (suite) => suite.status === 'failed' && !(suite.assertionResults ?? []).some((test) => test.status === 'failed'),
  ).length;
  console.log(`${report.numPassedTests + checksPassed} passed, ${report.numFailedTests + brokenFiles + checksFailed.length} failed${note}`);
} catch (error) {
  console.log(`${checksPassed} passed, ${checksFailed.length + 1} failed (no test report at ${file}: ${error.message})${note}`);
}
