// Issue 13's acceptance, as a learner meets it, on the CPU engine: pick the
// Delayed recall corpus, compare an LSTM with a GRU and an RNN sized to its
// parameter count, train, and see a loss curve and a gradient-flow line per
// model (each in the model's colour, named by cell and H), and each model's
// recall accuracy against chance; no console errors. Screenshots of the
// page in both colour schemes go to test-results/ to be looked at. Every
// wait is for a condition the page states, with a generous ceiling.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { drawnModels } from './drawn';
import { pausedSteps, stepCount, untilTrainable } from './steps';

const RESULTS = resolve(import.meta.dirname, '../../test-results');
// Small, so three models train quickly on a loaded machine; T = 24 > a line at D = 10 (15 chars).
const HASH = '#cell=lstm&E=16&H=32&L=1&T=24&B=8&lr=0.01&seed=3&backend=cpu';
const VIEWPORT = { width: 1440, height: 1300 };
const CEILING = { timeout: 240_000, interval: 500 };

const app = serveBuiltApp();

beforeAll(() => {
  mkdirSync(RESULTS, { recursive: true });
});

describe('issue 13 acceptance (cpu)', () => {
  it('delayed recall: RNN, GRU and LSTM compared, loss curves, gradient flow and recall per model', async () => {
    await withBrowser('cpu', async (browser) => {
      const { page, log } = await openPage(browser, app.url + HASH, { viewport: VIEWPORT });
      await untilTrainable(page, 120_000);

      // The header no longer claims one kind of cell.
      expect(await page.locator('header.topbar p').textContent()).toMatch(/RNNs, GRUs and LSTMs/);

      // The delayed-recall corpus, at D = 10.
      const inUse = page.getByRole('group', { name: 'Corpus in use' });
      await page.getByRole('button', { name: 'Delayed recall' }).click();
      await expect.poll(() => inUse.textContent(), CEILING).toContain('Delayed recall (D = 20)');
      const delay = page.getByLabel('Delay D');
      await delay.fill('10');
      await delay.press('Enter');
      await expect.poll(() => inUse.textContent(), CEILING).toContain('Delayed recall (D = 10)');

      // A GRU and an RNN beside the LSTM, sized to its parameter count.
      const compare = page.getByRole('region', { name: 'Compare' });
      const add = compare.getByRole('button', { name: 'Add model' });
      await expect.poll(() => add.isEnabled(), CEILING).toBe(true);
      await add.click();
      await expect.poll(() => compare.getByRole('radio').count(), CEILING).toBe(2);
      await expect.poll(() => add.isEnabled(), CEILING).toBe(true);
      await add.click();
      await expect.poll(() => compare.getByRole('radio').count(), CEILING).toBe(3);
      await compare.getByRole('checkbox', { name: /Match parameter count/ }).check();
      const legend = page.getByRole('group', { name: 'Models compared' });
      await expect
        .poll(async () => (await legend.getByRole('button').allTextContents()).join(' | '), CEILING)
        .toMatch(/^LSTM H32 · .* \| GRU H(?!32)\d+ · .* \| RNN H(?!32)\d+ · /);

      const train = page.getByRole('button', { name: 'Train', exact: true });
      await expect.poll(() => train.isEnabled(), CEILING).toBe(true);
      await train.click();
      await expect.poll(() => stepCount(page), CEILING).toBeGreaterThan(0);

      // A gradient-flow line per model over T = 24 steps back, named as the model is.
      const flow = /^Gradient flow/;
      await expect
        .poll(() => drawnModels(page, flow, '.flow-line.h', 24), CEILING)
        .toEqual(['model-0', 'model-1', 'model-2']);
      // The LSTM's cell-state path, dashed, beside its h.
      expect(await drawnModels(page, flow, '.flow-line.c', 24)).toEqual(['model-0']);
      const flowFigure = page.locator('figure.diag-chart', { hasText: 'Gradient flow' });
      const flowLegend = (await flowFigure.locator('.legend').textContent()) ?? '';
      expect(flowLegend).toMatch(/LSTM H32.*LSTM H32 c.*GRU H\d+.*RNN H\d+/);

      // Recall accuracy per model, measured at the validation cadence, against chance.
      const recalls = async () =>
        (await legend.getByRole('button').allTextContents()).filter((t) =>
          / · recall [01]\.\d\d$/.test(t),
        ).length;
      await expect.poll(recalls, CEILING).toBe(3);
      expect(await legend.textContent()).toContain('chance 0.25');

      // A train loss curve per model (and its validation curve).
      // Long enough for the curves to part (a few seconds a hundred steps here).
      await expect.poll(() => stepCount(page), CEILING).toBeGreaterThan(150);
      await page.getByRole('button', { name: 'Pause' }).click();
      await pausedSteps(page, 120_000);
      const loss = /^Loss curves/;
      await expect
        .poll(() => drawnModels(page, loss, '.loss-line.train', 3), CEILING)
        .toEqual(['model-0', 'model-1', 'model-2']);
      await expect
        .poll(() => drawnModels(page, loss, '.loss-line.validation', 2), CEILING)
        .toEqual(['model-0', 'model-1', 'model-2']);
      console.log(`[e2e insight] flow legend: ${flowLegend}`);
      console.log(
        `[e2e insight] models: ${(await legend.getByRole('button').allTextContents()).join(' | ')}`,
      );

      await page.getByRole('region', { name: 'Gradients' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${RESULTS}/insight-light.png` });
      await flowFigure.screenshot({ path: `${RESULTS}/insight-flow-light.png` });
      await page.screenshot({ path: `${RESULTS}/insight-light-full.png`, fullPage: true });
      await page.emulateMedia({ colorScheme: 'dark' });
      await expect
        .poll(() => drawnModels(page, flow, '.flow-line.h', 24), CEILING)
        .toEqual(['model-0', 'model-1', 'model-2']);
      await page.screenshot({ path: `${RESULTS}/insight-dark.png` });
      await flowFigure.screenshot({ path: `${RESULTS}/insight-flow-dark.png` });
      await page.screenshot({ path: `${RESULTS}/insight-dark-full.png`, fullPage: true });

      // Picking the RNN: the norms and saturation follow it, and its flow line is the bold one.
      const gradients = page.getByRole('region', { name: 'Gradients' });
      await legend.getByRole('button', { name: /^RNN/ }).click();
      await expect
        .poll(() => gradients.locator('header').textContent(), CEILING)
        .toMatch(/norms and saturation of RNN H\d+/);
      const boldFlow = () =>
        page.locator('.flow-line.h').evaluateAll((lines) =>
          lines
            .map((g) => (g.matches('path') ? g : g.querySelector('path')))
            .filter((p) => p?.getAttribute('stroke-width') === '2.6')
            .map((p) => p?.closest('.flow-line')?.getAttribute('class') ?? ''),
        );
      await expect.poll(boldFlow, CEILING).toEqual([expect.stringContaining('model-2')]);
      expect(await page.getByRole('alert').count()).toBe(0);
      expect(log.errors).toEqual([]);
    });
  });
});
