#!/usr/bin/env node
// `npm test`: build (which type-checks the packages), type-check the tests, lint, then run vitest.
// CI reads the plain last line "N passed, N failed"; vitest's own summary is for people.
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const report = '.vitest-report.json';
const run = (command, args) => spawnSync(command, args, { stdio: 'inherit', env: process.env }).status ?? 1;

const steps = [
  ['build', 'npx', ['tsc', '-b']],
  ['type-check tests', 'npx', ['tsc', '-p', 'tsconfig.test.json']],
  ['lint', 'npx', ['biome', 'check', '.']],
  ['layers', 'node', ['scripts/check-layers.mjs']],
];
for (const [name, command, args] of steps) {
  if (run(command, args) !== 0) {
    console.error(`npm test: ${name} failed`);
    console.log('0 passed, 1 failed');
    process.exit(1);
  }
}

rmSync(report, { force: true });
const status = run('npx', [
  'vitest',
  'run',
  '--reporter=default',
  '--reporter=json',
  `--outputFile.json=${report}`,
  ...process.argv.slice(2),
]);
let passed = 0;
let failed = 0;
try {
  const results = JSON.parse(readFileSync(report, 'utf8'));
  passed = results.numPassedTests;
  // A file that failed without a failed test (it did not load, say) counts once. numFailedTestSuites is
  // no measure of that: it counts describe blocks too, so one failed test was reported as 3 failed.
  const brokenFiles = results.testResults.filter(
    (file) => file.status === 'failed' && !file.assertionResults.some((test) => test.status === 'failed'),
  ).length;
  failed = results.numFailedTests + brokenFiles;
  if (results.numTotalTests === 0) failed += 1;
} catch {
  failed += 1;
}
if (status !== 0 && failed === 0) failed = 1;
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
