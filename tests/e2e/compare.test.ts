// Compare runs end to end on the CPU engine: an LSTM, then a GRU and an RNN
// added beside it on the first built-in corpus, sized to the LSTM's
// parameter count, trained together; the loss chart draws a train and a
// validation line per model, and picking a model in the legend selects it
// for the gates, samples and exports. Every wait is for a condition the page
// states, with a generous ceiling.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { pausedSteps, stepCount } from './steps';

const RESULTS = resolve(import.meta.dirname, '../../test-results');
const HASH = '#cell=lstm&E=16&H=32&L=1&T=24&B=8&seed=3&backend=cpu';
const VIEWPORT = { width: 1440, height: 1100 };
const CEILING = { timeout: 180_000, interval: 300 };

const app = serveBuiltApp();

beforeAll(() => {
  mkdirSync(RESULTS, { recursive: true });
});

describe('compare runs (cpu)', () => {
  it('trains an RNN, a GRU and an LSTM side by side and draws a loss line for each', async () => {
    await withBrowser('cpu', async (browser) => {
      const { page, log } = await openPage(browser, app.url + HASH, { viewport: VIEWPORT });
      const train = page.getByRole('button', { name: 'Train', exact: true });
      await expect.poll(() => train.isEnabled(), CEILING).toBe(true);

      const compare = page.getByRole('region', { name: 'Compare' });
      const add = compare.getByRole('button', { name: 'Add model' });
      await add.click();
      await expect.poll(() => compare.getByRole('radio').count(), CEILING).toBe(2);
      await expect.poll(() => add.isEnabled(), CEILING).toBe(true);
      await add.click();
      await expect.poll(() => compare.getByRole('radio').count(), CEILING).toBe(3);
      expect(await compare.getByLabel('Cell of model 2').inputValue()).toBe('gru');
      expect(await compare.getByLabel('Cell of model 3').inputValue()).toBe('rnn');

      // Sized to the LSTM's parameter count: the GRU and the RNN get a larger H.
      await compare.getByRole('checkbox', { name: /Match parameter count/ }).check();
      const counts = async () =>
        Promise.all(
          [1, 2, 3].map(async (k) =>
            // "7,489 params · CPU"
            Number(
              /^[\d,]+/
                .exec(
                  (await compare.getByLabel(`Parameters of model ${k}`).textContent()) ?? '',
                )?.[0]
                .replace(/,/g, ''),
            ),
          ),
        );
      await expect
        .poll(async () => {
          const [first, ...others] = await counts();
          return others.every((n) => Math.abs(n - first) / first < 0.03);
        }, CEILING)
        .toBe(true);
      console.log(`[e2e compare] parameters: ${(await counts()).join(', ')}`);
      expect(await compare.getByLabel('Parameters of model 1').textContent()).toMatch(
        / params · CPU$/,
      );

      const legend = page.getByRole('group', { name: 'Models compared' });
      await expect.poll(() => legend.getByRole('button').count(), CEILING).toBe(3);
      const names = await legend.getByRole('button').allTextContents();
      expect(names[0]).toMatch(/^LSTM H32 · [\d.]+k params$/);
      expect(names[1]).toMatch(/^GRU H\d+ · [\d.]+k params$/);
      expect(names[2]).toMatch(/^RNN H\d+ · [\d.]+k params$/);

      await train.click();
      await expect.poll(() => stepCount(page), CEILING).toBeGreaterThan(40);
      await page.getByRole('button', { name: 'Pause' }).click();
      await pausedSteps(page, 120_000);

      // One drawn train line and one validation line per model; the selected model's opaque.
      const drawn = (kind: string) =>
        page.locator(`.chart .loss-line.${kind}`).evaluateAll((groups) =>
          groups
            .map((g) => ({
              model: [...g.classList].find((c) => c.startsWith('model-')),
              path: g.querySelector('path.recharts-line-curve'),
            }))
            .filter(({ path }) => (path?.getAttribute('d') ?? '').length > 20)
            .map(({ model, path }) => `${model} ${path!.getAttribute('stroke-opacity')}`)
            .sort(),
        );
      await expect
        .poll(() => drawn('train'), CEILING)
        .toEqual(['model-0 1', 'model-1 0.55', 'model-2 0.55']);
      await expect
        .poll(() => drawn('validation'), CEILING)
        .toEqual(['model-0 1', 'model-1 0.55', 'model-2 0.55']);

      // Picking the RNN in the legend selects it, here and in the Compare panel.
      await legend.getByRole('button', { name: /^RNN/ }).click();
      await expect
        .poll(() => legend.getByRole('button', { name: /^RNN/ }).getAttribute('aria-pressed'))
        .toBe('true');
      expect(await compare.getByRole('radio', { name: 'Show model 3' }).isChecked()).toBe(true);
      await expect
        .poll(() => drawn('train'), CEILING)
        .toEqual(['model-0 0.55', 'model-1 0.55', 'model-2 1']);

      await page.screenshot({ path: `${RESULTS}/compare-cpu.png`, fullPage: true });

      // The models trained: removing one asks first, then trains the other two afresh.
      await compare.getByRole('button', { name: 'Remove model 2' }).click();
      const dialog = page.getByRole('dialog', { name: 'Start a new model?' });
      await expect.poll(() => dialog.textContent()).toMatch(/Changing the models compared/);
      await dialog.getByRole('button', { name: 'Reset and apply' }).click();
      await expect
        .poll(() => legend.getByRole('button').allTextContents(), CEILING)
        .toEqual([expect.stringMatching(/^LSTM H32/), expect.stringMatching(/^RNN H\d+/)]);
      await expect.poll(() => stepCount(page), CEILING).toBe(0);
      expect(log.errors).toEqual([]);
    });
  });
});
