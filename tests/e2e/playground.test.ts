// The playground end to end, once with WebGPU (SwiftShader) and once on the
// CPU fallback: paste a corpus, train until the validation loss is under a
// bound, pause, step, look at the gates, sample, reset; no console errors,
// and the main thread stays responsive while training.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  installResponsivenessProbe,
  launch,
  readResponsiveness,
  watchErrors,
  type Mode,
} from './browser';
import { serveDist, type StaticServer } from './server';

const RESULTS = resolve(import.meta.dirname, '../../test-results');

// A small model, so the test is quick on two shared cores, set through the URL hash.
const HASH = '#E=16&H=48&L=1&T=32&B=8&lr=0.01&wd=0&clip=5&seed=7&backend=auto';

// Ten sentences in rotation: easy to learn, yet not a single memorised line.
const SENTENCES = [
  'the cat sat on the mat.',
  'a dog ran to the park.',
  'the bird sang at dawn.',
  'my hat is on the bed.',
  'we saw a red fox run.',
  'the sun set over town.',
  'an owl hid in the oak.',
  'she fed the old goat.',
  'ten ants ate the jam.',
  'the boat left at noon.',
];
const CORPUS = Array.from({ length: 700 }, (_, k) => SENTENCES[(k * 7) % 10]).join('\n') + '\n';
const VOCAB = new Set(CORPUS);
/** ln(V) ≈ 3.2 nats is a uniform guess; well under half of it means the model learned. */
const VALIDATION_BOUND = 1.5;
const MAX_LONG_TASK_MS = 100;
/** Headless chromium draws at up to 60 frames/s; well under half of that would be visible jank. */
const MIN_FPS = 25;
const TRAINING_WINDOW_MS = 8000;

let server: StaticServer;

beforeAll(async () => {
  server = await serveDist();
  mkdirSync(RESULTS, { recursive: true });
});

afterAll(async () => {
  await server?.close();
});

async function numberOf(page: Page, label: string): Promise<number> {
  const text = (await page.getByLabel(label, { exact: true }).textContent()) ?? '';
  return Number(text.replace(/,/g, ''));
}

/** The step count once it stops changing (steps in flight finish after Pause). */
async function settledSteps(page: Page): Promise<number> {
  let last = await numberOf(page, 'Steps');
  for (let k = 0; k < 30; k++) {
    await page.waitForTimeout(700);
    const now = await numberOf(page, 'Steps');
    if (now === last) return now;
    last = now;
  }
  throw new Error(`the step count kept changing after Pause (now ${last})`);
}

/** The figures and messages a person would read off the page. */
async function pageState(page: Page) {
  return {
    backend: await page.getByRole('status', { name: 'Backend' }).textContent(),
    steps: await page.getByLabel('Steps', { exact: true }).textContent(),
    validation: await page.getByLabel('Validation loss (nats)', { exact: true }).textContent(),
    alerts: await page.getByRole('alert').allTextContents(),
  };
}

/** Share of a canvas's pixels that differ from its background colour. */
async function nonBackgroundShare(page: Page, name: string): Promise<number> {
  return page.getByRole('img', { name }).evaluate((canvas: HTMLCanvasElement) => {
    const ctx = canvas.getContext('2d')!;
    const { data } = ctx.getImageData(0, 0, canvas.width, canvas.height);
    const bg = getComputedStyle(canvas).backgroundColor.match(/\d+/g)!.map(Number);
    let differing = 0;
    for (let k = 0; k < data.length; k += 4) {
      const same =
        data[k + 3] === 0 ||
        (Math.abs(data[k] - bg[0]) < 4 &&
          Math.abs(data[k + 1] - bg[1]) < 4 &&
          Math.abs(data[k + 2] - bg[2]) < 4);
      if (!same) differing++;
    }
    return differing / (data.length / 4);
  });
}

describe.each<Mode>(['webgpu', 'cpu'])('playground (%s)', (mode) => {
  it('keeps the main thread responsive while training at the default configuration', async () => {
    const browser = await launch(mode);
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
      const log = watchErrors(page);
      await installResponsivenessProbe(page);
      await page.goto(server.url);
      const train = page.getByRole('button', { name: 'Train', exact: true });
      await expect.poll(() => train.isEnabled(), { timeout: 60_000 }).toBe(true);
      // Let the first snapshot and the step-0 validation land: page load is not what is measured.
      await expect
        .poll(() => numberOf(page, 'Validation loss (nats)'), { timeout: 60_000 })
        .toBeGreaterThan(0);
      await page.waitForTimeout(500);

      const before = await readResponsiveness(page);
      const started = Date.now();
      await train.click();
      await page.waitForTimeout(TRAINING_WINDOW_MS);
      const after = await readResponsiveness(page);
      const seconds = (Date.now() - started) / 1000;
      const steps = await numberOf(page, 'Steps');
      const backend = (await page.getByRole('status', { name: 'Backend' }).textContent()) ?? '';
      await page.screenshot({ path: `${RESULTS}/default-${mode}-training.png` });
      await page.getByRole('button', { name: 'Pause' }).click();

      const longTasks = after.longTasks.slice(before.longTasks.length);
      const maxLongTask = Math.max(0, ...longTasks);
      const fps = (after.frames - before.frames) / seconds;
      console.log(
        `[e2e responsiveness ${mode}] ${seconds.toFixed(1)} s of training, ${steps} steps: ` +
          `${longTasks.length} long tasks, max ${maxLongTask.toFixed(0)} ms; ${fps.toFixed(1)} frames/s`,
      );
      const slowFrames = after.slowFrames.slice(before.slowFrames.length);
      if (maxLongTask > MAX_LONG_TASK_MS / 2) {
        console.log(`[e2e responsiveness ${mode}] long frames:\n  ${slowFrames.join('\n  ')}`);
      }
      expect(backend).toMatch(mode === 'cpu' ? /^CPU/ : /^WebGPU/);
      expect(steps).toBeGreaterThan(0);
      expect(maxLongTask).toBeLessThanOrEqual(MAX_LONG_TASK_MS);
      expect(fps).toBeGreaterThan(MIN_FPS);
      expect(log.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });

  it('trains a pasted corpus, pauses, steps, shows gates, samples and resets', async () => {
    const browser = await launch(mode);
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1100 } });
      const log = watchErrors(page);
      await page.goto(server.url + HASH);

      // Paste a corpus and use it.
      await page.getByLabel('Corpus text').fill(CORPUS);
      await page.getByRole('button', { name: 'Use pasted text' }).click();
      const inUse = page.getByRole('group', { name: 'Corpus in use' });
      await expect.poll(() => inUse.textContent(), { timeout: 30_000 }).toContain('Pasted text');
      expect(await page.getByLabel('Vocabulary size').textContent()).toBe(String(VOCAB.size));
      const train = page.getByRole('button', { name: 'Train', exact: true });
      await expect.poll(() => train.isEnabled(), { timeout: 60_000 }).toBe(true);
      const backend = (await page.getByRole('status', { name: 'Backend' }).textContent()) ?? '';
      console.log(`[e2e playground ${mode}] backend: ${backend}`);
      expect(backend).toMatch(mode === 'cpu' ? /^CPU/ : /^WebGPU/);

      // Train until validation loss is under the bound.
      const started = Date.now();
      await train.click();
      try {
        await expect
          .poll(() => numberOf(page, 'Validation loss (nats)'), {
            timeout: 120_000,
            interval: 500,
          })
          .toBeLessThan(VALIDATION_BOUND);
      } catch (error) {
        // What the page showed, so a failure here says whether training stalled, failed or crawled.
        console.log(`[e2e playground ${mode}] stuck: ${JSON.stringify(await pageState(page))}`);
        await page.screenshot({ path: `${RESULTS}/playground-${mode}-stuck.png`, fullPage: true });
        throw error;
      }
      console.log(
        `[e2e playground ${mode}] validation ${await numberOf(page, 'Validation loss (nats)')} nats ` +
          `after ${((Date.now() - started) / 1000).toFixed(1)} s, ${await numberOf(page, 'Steps')} steps`,
      );
      await page.screenshot({ path: `${RESULTS}/playground-${mode}-training.png` });

      // While it trains, the gate snapshots follow the model, and sampling streams text.
      const snapshotStep = () =>
        page
          .getByLabel('Gate snapshot step')
          .textContent()
          .then((t) => Number((t ?? '').replace(/[^\d]/g, '')));
      const firstSnapshot = await snapshotStep();
      await expect.poll(snapshotStep, { timeout: 30_000 }).toBeGreaterThan(firstSnapshot);
      await page.getByLabel('Prime').fill('the ');
      await page.getByLabel('Sample length').fill('120');
      const stepsBeforeSample = await numberOf(page, 'Steps');
      await page.getByRole('button', { name: 'Generate' }).click();
      const output = page.getByRole('log', { name: 'Generated text' });
      await expect
        .poll(() => page.getByRole('button', { name: 'Generate' }).count(), { timeout: 60_000 })
        .toBe(1);
      const liveSample = (await output.locator('.generated').textContent()) ?? '';
      expect(liveSample.length).toBe(120);
      expect([...liveSample].filter((c) => !VOCAB.has(c))).toEqual([]);
      expect(await numberOf(page, 'Steps')).toBeGreaterThan(stepsBeforeSample);

      // Pause: the step count stops.
      await page.getByRole('button', { name: 'Pause' }).click();
      await expect
        .poll(() => page.getByRole('button', { name: 'Step' }).isEnabled(), { timeout: 10_000 })
        .toBe(true);
      const paused = await settledSteps(page);
      await page.waitForTimeout(1000);
      expect(await numberOf(page, 'Steps')).toBe(paused);

      // Step: exactly one more.
      await page.getByRole('button', { name: 'Step' }).click();
      await expect.poll(() => numberOf(page, 'Steps'), { timeout: 30_000 }).toBe(paused + 1);

      // The gate canvases are drawn.
      for (const gate of [
        'input gate',
        'forget gate',
        'candidate',
        'output gate',
        'cell state (tanh)',
        'hidden output',
      ]) {
        const share = await nonBackgroundShare(page, `${gate} heatmap: `);
        expect(share, gate).toBeGreaterThan(0.5);
      }

      // Hovering a cell shows every signal at that character.
      const forget = page.getByRole('img', { name: /^forget gate heatmap/ });
      const box = (await forget.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.4, box.y + box.height * 0.5);
      const tooltip = page.getByRole('tooltip');
      await expect.poll(() => tooltip.textContent()).toMatch(/position \d+ · unit \d+/);
      expect(await tooltip.textContent()).toContain('forget gate');
      await page.screenshot({ path: `${RESULTS}/playground-${mode}-hover.png` });
      await page.mouse.move(0, 0);

      // Paused, sampling streams text made of the corpus's characters too.
      await page.getByRole('button', { name: 'Generate' }).click();
      await expect
        .poll(() => page.getByRole('button', { name: 'Generate' }).count(), { timeout: 30_000 })
        .toBe(1);
      const sample = (await output.locator('.generated').textContent()) ?? '';
      console.log(`[e2e playground ${mode}] sample: ${JSON.stringify(sample.slice(0, 80))}`);
      expect(sample.length).toBe(120);
      expect([...sample].filter((c) => !VOCAB.has(c))).toEqual([]);
      await page.evaluate(() => window.scrollTo(0, 0)); // the sticky top bar belongs on top
      await page.screenshot({ path: `${RESULTS}/playground-${mode}.png`, fullPage: true });

      await page.emulateMedia({ colorScheme: 'dark' });
      await page.screenshot({ path: `${RESULTS}/playground-${mode}-dark.png`, fullPage: true });
      await page.emulateMedia({ colorScheme: 'light' });

      // Reset: a fresh model at step 0.
      await page.getByRole('button', { name: 'Reset' }).click();
      await expect.poll(() => numberOf(page, 'Steps'), { timeout: 60_000 }).toBe(0);
      await expect.poll(() => train.isEnabled(), { timeout: 60_000 }).toBe(true);
      // Fresh weights: the step-0 validation loss is back near a uniform guess, ln V.
      await expect
        .poll(() => numberOf(page, 'Validation loss (nats)'), { timeout: 60_000 })
        .toBeGreaterThan(0.8 * Math.log(VOCAB.size));

      expect(await page.getByRole('alert').count()).toBe(0);
      expect(log.errors).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});
