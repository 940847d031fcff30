// `npm test`: every test, in the order that fails fastest.
//   1. make sure Debian's chromium (SwiftShader Vulkan + headless browser) is here;
//   2. unit tests (CPU reference, formats) and GPU tests (Dawn in Node on SwiftShader,
//      whose driver path vitest.config.ts gives the gpu project: scripts/swiftshader.mjs);
//   3. build the app and run the browser tests against the build.
// Ends with one plain line "N passed, N failed, N skipped" over all phases.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const outDir = mkdtempSync(join(tmpdir(), 'gatescope-test-'));
const totals = { passed: 0, failed: 0, skipped: 0 };
let failedPhase = null;

function run(label, command, args) {
  console.log(`\n▶ ${label}: ${command} ${args.join(' ')}`);
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.status !== 0 && !failedPhase) failedPhase = label;
  return result.status === 0;
}

function vitest(label, projects) {
  const report = join(outDir, `${label}.json`);
  const args = ['vitest', 'run', ...projects.flatMap((p) => ['--project', p])];
  args.push('--reporter=default', '--reporter=json', `--outputFile.json=${report}`);
  const ok = run(label, 'npx', args);
  if (existsSync(report)) {
    const r = JSON.parse(readFileSync(report, 'utf8'));
    totals.passed += r.numPassedTests;
    // A file that fails before its tests run (no adapter, a syntax error) counts as a failure too.
    const brokenFiles = (r.testResults ?? []).filter(
      (f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0,
    ).length;
    totals.failed += r.numFailedTests + brokenFiles;
    totals.skipped += r.numPendingTests + (r.numTodoTests ?? 0);
  } else if (!ok) {
    totals.failed += 1; // the runner itself broke before reporting
  }
  return ok;
}

if (run('system packages', 'node', ['scripts/ensure-chromium.mjs'])) {
  vitest('unit+gpu', ['unit', 'gpu']);
  if (run('build', 'npx', ['vite', 'build', '--logLevel', 'warn'])) vitest('e2e', ['e2e']);
}

console.log(`\n${totals.passed} passed, ${totals.failed} failed, ${totals.skipped} skipped`);
if (failedPhase) {
  console.error(`npm test failed in: ${failedPhase}`);
  process.exit(1);
}
if (totals.passed === 0) {
  console.error('npm test ran no test');
  process.exit(1);
}
