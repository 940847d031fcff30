// `npm run bench:ui`: how responsive the built playground stays while it
// works, in Debian's headless chromium. Each scenario runs in a fresh browser
// on the built app (dist/) and measures main-thread long tasks and frames/s
// over its window; the bounds (longest long task ≤ MAX_LONG_TASK_MS, frames/s
// ≥ MIN_FPS) are checked here, in a report a person reads, not in the test
// suite, where a loaded machine would fail them with nothing wrong. Each row
// also gives the first-load JavaScript and CSS: what the page and its worker
// fetched before Train was enabled (bench/firstLoad.ts). Prints a Markdown
// report and exits non-zero when a bound fails.
//
//   npm run bench:ui                         build, then every scenario
//   npm run bench:ui -- --no-build           use the dist/ there is
//   npm run bench:ui -- --only=training-cpu,gates-h512
//   npm run bench:ui -- --only=training-cpu  the cheapest run for the first-load figure
//   npm run bench:ui -- --window=15000       training windows of 15 s (default 8 s)
//   npm run bench:ui -- --only=training-cpu-cores,second-visit   issue 17's two scenarios
//   npm run bench:ui -- --out=path           default bench/results/ui.json (rows of
//                                            scenarios not run are kept from the last run)
//
// `npm run bench` reads the second-visit figure from bench/results/ui.json for
// its targets table; this report also holds it to its bound itself.
//
// Run it on an otherwise idle machine: the figures are about the page, and a
// busy machine makes every page slow.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname } from 'node:path';
import { launch } from '../tests/e2e/browser';
import { serveDist } from '../tests/e2e/server';
import { flag, option } from './cli';
import { kB, type FirstLoad } from './firstLoad';
import { TARGETS } from './report';
import { MAX_LONG_TASK_MS, MIN_FPS, type WindowFigures } from './responsiveness';
import { badgeText, SCENARIOS, type Scenario } from './uiScenarios';

interface Row {
  scenario: Scenario;
  backend: string;
  chromium: string;
  figures?: WindowFigures;
  firstLoad?: FirstLoad;
  trainToFirstStepMs?: number;
  note: string;
  failures: string[];
}

function check(scenario: Scenario, f: WindowFigures, firstStepMs?: number): string[] {
  const failures: string[] = [];
  if (scenario.bounds.includes('first step') && !(firstStepMs! <= TARGETS.secondVisitMs)) {
    failures.push(`first step ${firstStepMs?.toFixed(0)} ms > ${TARGETS.secondVisitMs} ms`);
  }
  if (scenario.bounds.includes('longest task') && f.longestTaskMs > MAX_LONG_TASK_MS) {
    failures.push(`longest task ${f.longestTaskMs.toFixed(0)} ms > ${MAX_LONG_TASK_MS} ms`);
  }
  if (scenario.bounds.includes('frames/s') && !(f.framesPerSecond >= MIN_FPS)) {
    failures.push(`${f.framesPerSecond.toFixed(1)} frames/s < ${MIN_FPS}`);
  }
  return failures;
}

async function runScenario(scenario: Scenario, url: string): Promise<Row> {
  console.error(`▶ ${scenario.name}: ${scenario.what}`);
  const browser = await launch(scenario.mode);
  const chromium = browser.version();
  try {
    const page = await browser.newPage();
    await page.goto(`${url}${scenario.hash ?? ''}`);
    const seen = await badgeText(page);
    await page.close();
    const measured = await scenario.run(browser, url);
    const { figures, note, firstLoad, trainToFirstStepMs } = measured;
    const failures = check(scenario, figures, trainToFirstStepMs);
    const backend = measured.backend ?? seen;
    return { scenario, backend, chromium, figures, firstLoad, trainToFirstStepMs, note, failures };
  } catch (error) {
    const message = (error as Error).message.split('\n')[0];
    return { scenario, backend: '?', chromium, note: '', failures: [`did not run: ${message}`] };
  } finally {
    await browser.close();
  }
}

function firstLoadCell(load: FirstLoad | undefined): string {
  return load ? `${kB(load.bytes)} / ${kB(load.gzipBytes)}` : '—';
}

function report(rows: Row[]): string {
  const lines = [
    '## gatescope UI responsiveness (`npm run bench:ui`)',
    '',
    `${new Date().toISOString().slice(0, 16)}Z, chromium ${rows[0]?.chromium ?? '?'}, ` +
      `${availableParallelism()} cores. Bounds: longest main-thread task ≤ ${MAX_LONG_TASK_MS} ms, ` +
      `≥ ${MIN_FPS} frames/s, first step ≤ ${TARGETS.secondVisitMs} ms after Train ` +
      `(where the scenario is held to them). First load: the JavaScript ` +
      `and CSS the page and its worker fetched before Train was enabled, raw / gzipped.`,
    '',
    '| scenario | backend | first load | window | work | long tasks | longest | frames/s | result |',
    '|---|---|--:|--:|---|--:|--:|--:|---|',
  ];
  for (const r of rows) {
    const f = r.figures;
    const usual = r.scenario.bounds.join() === 'longest task,frames/s';
    const held = usual ? '' : ` (${r.scenario.bounds.join(', ')})`;
    lines.push(
      `| ${r.scenario.name} | ${r.backend} | ${firstLoadCell(r.firstLoad)} | ` +
        `${f ? `${f.seconds.toFixed(1)} s` : '—'} | ${r.note || '—'} | ` +
        `${f ? f.longTaskCount : '—'} | ${f ? `${f.longestTaskMs.toFixed(0)} ms` : '—'} | ` +
        `${f ? f.framesPerSecond.toFixed(1) : '—'} | ` +
        `${r.failures.length === 0 ? `pass${held}` : `**FAIL**: ${r.failures.join('; ')}`} |`,
    );
  }
  // The files of one first load say what is loaded eagerly; the rows differ by a chunk at most
  // (the WebGPU engine's, which only a page with an adapter imports).
  const loaded = rows.find((r) => r.firstLoad);
  if (loaded?.firstLoad) {
    lines.push('', `First load of ${loaded.scenario.name}:`, '');
    for (const f of loaded.firstLoad.files) {
      lines.push(`- \`${f.path}\`: ${kB(f.bytes)} / ${kB(f.gzipBytes)} gzipped`);
    }
  }
  for (const r of rows) {
    if (r.failures.length === 0 || !r.figures || r.figures.slowFrames.length === 0) continue;
    lines.push('', `Long animation frames in ${r.scenario.name}:`, '');
    for (const frame of r.figures.slowFrames.slice(0, 20)) lines.push(`- ${frame}`);
  }
  return lines.join('\n');
}

function previousRows(path: string): { scenario: string }[] {
  if (!existsSync(path)) return [];
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { rows?: { scenario: string }[] }).rows ?? [];
  } catch {
    return [];
  }
}

async function main(): Promise<number> {
  if (!flag('no-build')) {
    const build = spawnSync('npx', ['vite', 'build', '--logLevel', 'warn'], { stdio: 'inherit' });
    if (build.status !== 0) throw new Error('the build failed');
  }
  const only = option('only')?.split(',');
  const chosen = only ? SCENARIOS.filter((s) => only.includes(s.name)) : SCENARIOS;
  if (chosen.length === 0) {
    throw new Error(`no scenario named ${only}: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  }
  const server = await serveDist();
  const rows: Row[] = [];
  try {
    for (const scenario of chosen) rows.push(await runScenario(scenario, server.url));
  } finally {
    await server.close();
  }
  console.log(report(rows));
  const out = option('out') ?? 'bench/results/ui.json';
  mkdirSync(dirname(out), { recursive: true });
  const date = new Date().toISOString();
  const data = rows.map((r) => ({
    scenario: r.scenario.name,
    date,
    backend: r.backend,
    bounds: r.scenario.bounds,
    note: r.note,
    firstLoad: r.firstLoad,
    trainToFirstStepMs: r.trainToFirstStepMs,
    ...(r.figures ?? {}),
    failures: r.failures,
  }));
  // Rows of scenarios not run this time stay, with their own date: `npm run bench` reads them.
  const kept = previousRows(out).filter((row) => !data.some((d) => d.scenario === row.scenario));
  writeFileSync(out, JSON.stringify({ date, rows: [...data, ...kept] }, null, 2));
  return rows.some((r) => r.failures.length > 0) ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench:ui: ${(error as Error).message}`);
    process.exit(2);
  },
);
