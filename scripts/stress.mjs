// `npm run test:e2e:stress`: the browser suite on a loaded machine. Builds the
// app, starts one busy loop per core (`node -e 'for(;;){}'`), runs
// `vitest run --project e2e` meanwhile, and ends the busy loops by their PIDs
// however the run ends (also on Ctrl-C). Exits with the suite's status and
// ends with one line: "stress: N passed, N failed, N skipped with K busy
// processes on K cores in S s".
//
//   npm run test:e2e:stress                       the whole browser suite
//   npm run test:e2e:stress -- tests/e2e/x.test.ts  only those files (any vitest argument)
//   STRESS_BUSY=4 npm run test:e2e:stress         another number of busy loops
//
// A test that fails here but passes on an idle machine waits for time instead
// of for the condition it needs (see docs/testing.md).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';

const cores = availableParallelism();
const busyCount = Number(process.env.STRESS_BUSY ?? cores);
if (!Number.isInteger(busyCount) || busyCount < 0) {
  console.error(`STRESS_BUSY must be a whole number ≥ 0, not ${process.env.STRESS_BUSY}`);
  process.exit(2);
}
const vitestArgs = process.argv.slice(2);

/** @type {import('node:child_process').ChildProcess[]} */
const busy = [];
/** The vitest run, while it runs. @type {import('node:child_process').ChildProcess | null} */
let suite = null;

/** Ends every busy loop this script started, by its PID; safe to call more than once. */
function stopBusy() {
  for (const child of busy.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  }
}

// Whatever ends this script, the busy loops end with it.
process.on('exit', stopBusy);
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    stopBusy();
    // The suite runs in a process group of its own (npx, vitest and its workers): end it all.
    if (suite && suite.exitCode === null) {
      try {
        process.kill(-suite.pid, signal);
      } catch {
        // already gone
      }
    }
    console.error(`\nstress: stopped by ${signal}; busy processes ended`);
    process.exit(130);
  });
}

const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
if (build.status !== 0) {
  console.error('stress: the build failed, nothing tested');
  process.exit(build.status ?? 1);
}

const outDir = mkdtempSync(join(tmpdir(), 'gatescope-stress-'));
const report = join(outDir, 'e2e.json');
const started = Date.now();
let status;
try {
  for (let k = 0; k < busyCount; k++) {
    busy.push(spawn(process.execPath, ['-e', 'for(;;){}'], { stdio: 'ignore' }));
  }
  console.log(
    `stress: ${busyCount} busy processes (PIDs ${busy.map((c) => c.pid).join(' ')}) on ${cores} cores`,
  );
  suite = spawn(
    'npx',
    [
      'vitest',
      'run',
      '--project',
      'e2e',
      '--reporter=default',
      '--reporter=json',
      `--outputFile.json=${report}`,
      ...vitestArgs,
    ],
    // Its own process group, so a signal to this script ends every process of the suite.
    { stdio: 'inherit', detached: true },
  );
  status = await new Promise((done) => {
    suite.on('error', (error) => {
      console.error(`stress: could not start vitest: ${error.message}`);
      done(1);
    });
    suite.on('exit', (code, signal) => done(code ?? (signal ? 1 : 0)));
  });
} finally {
  stopBusy();
}

const seconds = ((Date.now() - started) / 1000).toFixed(0);
let counts = 'no test report';
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  // A file that fails before its tests run counts as a failure too.
  const brokenFiles = (r.testResults ?? []).filter(
    (f) => f.status === 'failed' && (f.assertionResults ?? []).length === 0,
  ).length;
  const failed = r.numFailedTests + brokenFiles;
  counts = `${r.numPassedTests} passed, ${failed} failed, ${r.numPendingTests + (r.numTodoTests ?? 0)} skipped`;
  if (status === 0 && r.numPassedTests === 0) status = 1; // a suite that ran nothing proves nothing
}
rmSync(outDir, { recursive: true, force: true });
console.log(
  `\nstress: ${counts} with ${busyCount} busy processes on ${cores} cores in ${seconds} s` +
    ` — ${status === 0 ? 'PASS' : 'FAIL'}`,
);
process.exit(status);
