// The scenarios of `npm run bench:ui` (bench/ui.ts runs them and reports):
// what each one opens, does and measures on the built app, in a fresh
// headless chromium. Every wait for the page to get ready polls a condition
// the page states (a ceiling, not a measure); the measured windows are fixed
// lengths of wall time, because what they measure is how the page behaves
// over that time.
//
// Dimension legend: E embedding, H hidden, L layers, T window, B batch (in
// the URL hashes that set a scenario's model).

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { agreementCorpus } from '../src/corpora/agreement';
import { watchErrors, type Mode } from '../tests/e2e/browser';
import { option } from './cli';
import { recordFirstLoad, type FirstLoad } from './firstLoad';
import {
  between,
  installResponsivenessProbe,
  readResponsiveness,
  type WindowFigures,
} from './responsiveness';

const TRAINING_WINDOW_MS = Number(option('window') ?? 8000);
const GATES_WINDOW_MS = Number(option('window') ?? 6000);
/** Ceilings for getting a scenario ready (not measured). */
const READY_MS = 180_000;

export type Bound = 'longest task' | 'frames/s' | 'first step';

export interface Scenario {
  name: string;
  mode: Mode;
  /** URL hash the scenario opens the app with (the backend column is read with it too). */
  hash?: string;
  what: string;
  /** The bounds this scenario is held to. */
  bounds: Bound[];
  /** Opens the page, does the work, returns the figures over the measured window. */
  run(browser: Browser, url: string): Promise<Measured>;
}

export interface Measured {
  figures: WindowFigures;
  note: string;
  firstLoad: FirstLoad;
  /** From the click on Train to the page showing Steps ≥ 1, ms (second-visit). */
  trainToFirstStepMs?: number;
  /** The backend badge as the scenario ran (when it differs from the default page's). */
  backend?: string;
}

/** Polls `ok` until it holds; fails naming `what`. Only for getting ready, never measured. */
async function until(what: string, ok: () => Promise<boolean>, timeoutMs = READY_MS) {
  const end = Date.now() + timeoutMs;
  while (!(await ok().catch(() => false))) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function numberOf(page: Page, label: string): Promise<number> {
  const text = (await page.getByLabel(label, { exact: true }).textContent()) ?? '';
  return Number(text.replace(/[^\d.]/g, ''));
}

const VIEWPORT = { width: 1440, height: 1100 };

/**
 * Opens the app (in a fresh context of `browser`, or in `context`, whose
 * storage persists between pages) and waits until it can train; what it
 * loaded until then is its first load.
 */
async function openApp(
  opener: Browser | BrowserContext,
  url: string,
): Promise<{ page: Page; firstLoad: FirstLoad; readyMs: number }> {
  const page = await opener.newPage({ viewport: VIEWPORT });
  const log = watchErrors(page);
  page.on('close', () => {
    if (log.errors.length > 0) console.error(`page errors:\n  ${log.errors.join('\n  ')}`);
  });
  await installResponsivenessProbe(page);
  const loading = recordFirstLoad(page);
  const t0 = Date.now();
  await page.goto(url);
  const train = page.getByRole('button', { name: 'Train', exact: true });
  await until('the Train button', () => train.isEnabled());
  return { page, firstLoad: await loading.done(), readyMs: Date.now() - t0 };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The window the training scenarios measure: from Train (once the step-0
 * validation, page load rather than training, is in) for TRAINING_WINDOW_MS;
 * then Pause and close the page.
 */
async function trainingWindow(page: Page): Promise<{ figures: WindowFigures; steps: number }> {
  await until('the step-0 validation loss', async () => {
    return (await numberOf(page, 'Validation loss (nats)')) > 0;
  });
  await sleep(500);
  const before = await readResponsiveness(page);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await sleep(TRAINING_WINDOW_MS);
  const after = await readResponsiveness(page);
  const steps = await numberOf(page, 'Steps');
  await page.getByRole('button', { name: 'Pause' }).click();
  await page.close();
  return { figures: between(before, after), steps };
}

function trainingDefault(mode: Mode): Scenario {
  return {
    name: `training-${mode}`,
    mode,
    // On the WebGPU page the WebGPU engine is chosen: Auto would measure and, on a software
    // adapter, pick the CPU, and this scenario is the WebGPU engine's page.
    ...(mode === 'webgpu' ? { hash: '#backend=webgpu' } : {}),
    what: `training at the default configuration for ${TRAINING_WINDOW_MS / 1000} s`,
    bounds: ['longest task', 'frames/s'],
    async run(browser, url) {
      const { page, firstLoad } = await openApp(browser, `${url}${this.hash ?? ''}`);
      const { figures, steps } = await trainingWindow(page);
      return { figures, note: `${steps} steps`, firstLoad };
    },
  };
}

const corpusFile: Scenario = {
  name: 'corpus-20mb',
  mode: 'cpu',
  what: 'loading a 20 MB corpus file, until it is in use',
  // The read streams through the worker; the page draws progress meanwhile.
  bounds: ['longest task'],
  async run(browser, url) {
    const dir = mkdtempSync(join(tmpdir(), 'gatescope-bench-ui-'));
    try {
      const text = agreementCorpus(11, 20_000_000);
      const path = join(dir, 'big.txt');
      writeFileSync(path, text);
      const { page, firstLoad } = await openApp(browser, url);
      const inUse = page.getByRole('group', { name: 'Corpus in use' });
      const before = await readResponsiveness(page);
      await page.getByLabel('Corpus file').setInputFiles(path);
      await until('the 20 MB file in use', async () =>
        ((await inUse.textContent()) ?? '').includes('big.txt'),
      );
      const after = await readResponsiveness(page);
      const shown = await page.getByLabel('Character count').textContent();
      await page.close();
      return { figures: between(before, after), note: `${shown} characters`, firstLoad };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

const gatesH512: Scenario = {
  name: 'gates-h512',
  mode: 'cpu',
  what: `six gate maps of 512 units × 200 characters redrawn while training, ${GATES_WINDOW_MS / 1000} s`,
  bounds: ['longest task', 'frames/s'],
  async run(browser, url) {
    // A wide model on a short window: the snapshots are big, the steps stay cheap.
    const { page, firstLoad } = await openApp(browser, `${url}#E=16&H=512&L=1&T=8&B=2&backend=cpu`);
    const probe = agreementCorpus(5, 400).replace(/\n/g, ' ').slice(0, 200);
    await page.getByLabel('Probe text').fill(probe);
    const heatmap = page.getByRole('img', { name: /^forget gate heatmap/ });
    await until('maps of 200 positions × 512 units', async () =>
      ((await heatmap.getAttribute('aria-label')) ?? '').includes('200 positions × 512 units'),
    );
    const snapshotStep = () => numberOf(page, 'Gate snapshot step');
    const before = await readResponsiveness(page);
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await until('a snapshot of a trained model', async () => (await snapshotStep()) > 0);
    await sleep(GATES_WINDOW_MS);
    const after = await readResponsiveness(page);
    const snapshot = await snapshotStep();
    await page.getByRole('button', { name: 'Pause' }).click();
    await page.close();
    return {
      figures: between(before, after),
      note: `last snapshot at step ${snapshot}`,
      firstLoad,
    };
  },
};

/** The backend badge's text, once the engine is built. */
export async function badgeText(page: Page): Promise<string> {
  const badge = page.getByRole('status', { name: 'Backend' });
  await until('the backend badge', async () =>
    /^(WebGPU|CPU)/.test((await badge.textContent()) ?? ''),
  );
  return ((await badge.textContent()) ?? '').trim().replace(/\s+/g, ' ');
}

/**
 * The CPU engine on every GEMM thread it starts here (issue 17: the page's own
 * thread stays free while the engine uses every core). Chosen explicitly on a
 * page that has WebGPU, so the badge gives the engine's own account ("CPU, 2
 * threads, wasm SIMD"; no count: one thread) rather than "fallback". How many
 * threads is the engine's default (defaultGemmThreads()), read off the badge.
 */
const trainingCpuCores: Scenario = {
  name: 'training-cpu-cores',
  mode: 'webgpu',
  hash: '#backend=cpu',
  what: `training on the CPU engine's GEMM threads for ${TRAINING_WINDOW_MS / 1000} s`,
  bounds: ['longest task', 'frames/s'],
  async run(browser, url) {
    const { page, firstLoad } = await openApp(browser, `${url}${this.hash}`);
    const backend = await badgeText(page);
    const threads = Number(
      /(\d+) threads?/.exec(backend)?.[1] ?? (backend.startsWith('CPU') ? 1 : NaN),
    );
    const { figures, steps } = await trainingWindow(page);
    const cores = availableParallelism();
    return {
      figures,
      note: `${steps} steps on ${threads} GEMM thread(s) of ${cores} cores`,
      firstLoad,
      backend,
    };
  },
};

/**
 * Clicks Train and resolves with the ms until the Steps tile shows ≥ 1, timed
 * in the page (a MutationObserver on the tile: no polling delay). Plain source,
 * not a function, for the reason given in responsiveness.ts.
 */
const TRAIN_TO_FIRST_STEP = `new Promise((resolve, reject) => {
  const tile = document.querySelector('[aria-label="Steps"]');
  const train = [...document.querySelectorAll('button')].find((b) => b.textContent.trim() === 'Train');
  if (!tile || !train) return reject(new Error('no Steps tile or Train button'));
  const shown = () => Number((tile.textContent || '').replace(/[^\\d.]/g, ''));
  const t0 = performance.now();
  const observer = new MutationObserver(() => {
    if (shown() >= 1) { observer.disconnect(); resolve(performance.now() - t0); }
  });
  observer.observe(tile, { subtree: true, childList: true, characterData: true });
  train.click();
  setTimeout(() => { observer.disconnect(); reject(new Error('no step within 180 s')); }, 180000);
})`;

/**
 * Issue 17's second visit: the app opened once (Auto builds the engine,
 * calibrates, autotunes; a first step is trained so everything a visit caches
 * is cached), closed, and opened again in the same browser context (its
 * IndexedDB and caches persist), where the time from the click on Train to
 * the first step on the page is the figure. The first visit's is given too.
 */
const secondVisit: Scenario = {
  name: 'second-visit',
  mode: 'webgpu',
  what: 'Train to the first step shown, on a second visit (WebGPU page, Auto)',
  bounds: ['first step', 'longest task'],
  async run(browser, url) {
    const context = await browser.newContext({ viewport: VIEWPORT });
    try {
      const first = await openApp(context, url);
      await badgeText(first.page);
      const firstAuto = await autoText(first.page);
      const firstMs = (await first.page.evaluate(TRAIN_TO_FIRST_STEP)) as number;
      await first.page.getByRole('button', { name: 'Pause' }).click();
      // Whatever the worker stores after its first step (IndexedDB writes) has a moment to land.
      await sleep(1000);
      await first.page.close();
      const { page, firstLoad, readyMs } = await openApp(context, url);
      const backend = await badgeText(page);
      const auto = await autoText(page);
      const before = await readResponsiveness(page);
      const ms = (await page.evaluate(TRAIN_TO_FIRST_STEP)) as number;
      const after = await readResponsiveness(page);
      await page.getByRole('button', { name: 'Pause' }).click();
      await page.close();
      return {
        figures: between(before, after),
        note:
          `Train → step 1: ${ms.toFixed(0)} ms (first visit ${firstMs.toFixed(0)} ms); ` +
          `Train enabled ${(readyMs / 1000).toFixed(1)} s after navigation ` +
          `(first visit ${(first.readyMs / 1000).toFixed(1)} s); "${auto}" (first visit: "${firstAuto}")`,
        firstLoad,
        trainToFirstStepMs: ms,
        backend,
      };
    } finally {
      await context.close();
    }
  },
};

/** What the page says about Auto's choice ("Auto: CPU, 3.1× faster … measured earlier …"), or ''. */
async function autoText(page: Page): Promise<string> {
  const said = page.getByText(/^Auto: /).first();
  return ((await said.textContent({ timeout: 2000 }).catch(() => '')) ?? '').trim();
}

export const SCENARIOS: Scenario[] = [
  trainingDefault('webgpu'),
  trainingDefault('cpu'),
  trainingCpuCores,
  corpusFile,
  gatesH512,
  secondVisit,
];
