// Prints one line `N passed, N failed` from vitest's JSON report, so a run that ran nothing shows.
// A test file that failed to load counts as one failure.
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'test-results/vitest.json';
try {
  const report = JSON.parse(readFileSync(file, 'utf8'));
  const brokenFiles = (report.testResults ?? []).filter(
    (suite) => suite.status === 'failed' && !(suite.assertionResults ?? []).some((test) => test.status === 'failed'),
  ).length;
  console.log(`${report.numPassedTests} passed, ${report.numFailedTests + brokenFiles} failed`);
} catch (error) {
  console.log(`0 passed, 1 failed (no test report at ${file}: ${error.message})`);
}
