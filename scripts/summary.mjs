// Adds up jest JSON result files and the consumer test's result file into one
// `N passed, N failed` line (the closing line CI reads).
import { readFileSync, existsSync } from 'node:fs';

/**
 * @param {string[]} files jest --json outputs or {passed, failed} files
 * @returns {{ passed: number, failed: number, missing: string[] }}
 */
export function tally(files) {
  let passed = 0;
  let failed = 0;
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
    } else {
      passed += data.passed;
      failed += data.failed;
    }
  }
  return { passed, failed, missing };
}
