// Adds up jest JSON result files and the consumer test's result file into one
// `N passed, N failed` line (the closing line CI reads).
import { readFileSync, existsSync } from 'node:fs';

/**
 * @param {string[]} files jest --json outputs or {passed, failed} files
 * @returns {{ passed: number, failed: number, skipped: number, skippedTests: string[], missing: string[] }}
 *   skipped counts jest's skipped and todo tests; skippedTests names each (`file › title`).
 */
export function tally(files) {
  let passed = 0;
  let failed = 0;
  let skipped = 0;
  const skippedTests = [];
  const missing = [];
  for (const file of files) {
    if (!existsSync(file)) {
      missing.push(file);
      continue;
    }
    const data = JSON.parse(readFileSync(file, 'utf8'));
    if ('numPassedTests' in data) {
      passed += data.numPassedTests;
      // A suite that failed to run (syntax error, import failure) has no failed tests: count it.
      failed += data.numFailedTests + (data.numRuntimeErrorTestSuites ?? 0);
      skipped += (data.numPendingTests ?? 0) + (data.numTodoTests ?? 0);
      const run = file.match(/jest-(node\d+)\.json$|(arm64)\.json$/);
      for (const suite of data.testResults ?? []) {
        for (const test of suite.assertionResults ?? []) {
          if (test.status === 'pending' || test.status === 'todo' || test.status === 'skipped') {
            skippedTests.push(`${suite.name} › ${test.fullName}${test.status === 'todo' ? ' (todo)' : ''}${run ? ` [${run[1] ?? run[2]}]` : ''}`);
          }
        }
      }
    } else {
      passed += data.passed;
      failed += data.failed;
      skipped += data.skipped ?? 0;
    }
  }
  return { passed, failed, skipped, skippedTests, missing };
}
