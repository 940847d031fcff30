// The gradients panel end to end on the CPU engine (the one with the
// gradient-flow probe on every machine): once training starts, the gradient
// flow chart draws a line per layer (and the LSTM's dashed cell-state line),
// the gradient norm and saturation charts fill, in both colour schemes, with
// no console errors. Screenshots go to test-results/ to be looked at.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { linesIn } from './drawn';
import { stepCount, untilTrainable } from './steps';

const RESULTS = resolve(import.meta.dirname, '../../test-results');
const VIEWPORT = { width: 1440, height: 1100 };
const CEILING = { timeout: 180_000, interval: 500 };

const app = serveBuiltApp();

beforeAll(() => {
  mkdirSync(RESULTS, { recursive: true });
});

describe.each(['lstm', 'rnn'] as const)('gradients panel, %s on the CPU', (cell) => {
  it('draws the gradient flow once training starts', async () => {
    await withBrowser('cpu', async (browser) => {
      const hash = `#cell=${cell}&E=16&H=48&L=2&T=24&B=8&lr=0.01&clip=0.3&seed=7&backend=auto`;
      const { page, log } = await openPage(browser, app.url + hash, { viewport: VIEWPORT });
      await untilTrainable(page, 60_000);
      await page.getByRole('button', { name: 'Train', exact: true }).click();
      await expect.poll(() => stepCount(page), CEILING).toBeGreaterThan(0);

      // One line per layer (h), and for the LSTM one more per layer (c), each over T = 24 steps back.
      const lines = cell === 'lstm' ? 4 : 2;
      await expect.poll(() => linesIn(page, /^Gradient flow/, 24), CEILING).toBe(lines);
      await expect.poll(() => linesIn(page, /^Global gradient norm/, 2), CEILING).toBe(1);
      // Clip 0.3 is below the untrained model's norm: the clipped steps are marked with dots.
      const clipDots = () =>
        page
          .getByRole('img', { name: /^Global gradient norm/ })
          .locator('.recharts-dot')
          .count();
      await expect.poll(clipDots, CEILING).toBeGreaterThan(0);
      await expect.poll(() => linesIn(page, /^Gate saturation/, 2), CEILING).toBeGreaterThan(0);
      await expect.poll(() => linesIn(page, /^Gradient norm per/, 2), CEILING).toBe(4);

      const panel = page.getByRole('region', { name: 'Gradients' });
      await panel.scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${RESULTS}/gradients-${cell}.png` });
      await page.emulateMedia({ colorScheme: 'dark' });
      await expect.poll(() => linesIn(page, /^Gradient flow/, 24), CEILING).toBe(lines);
      await page.screenshot({ path: `${RESULTS}/gradients-${cell}-dark.png` });
      await page.getByRole('button', { name: 'Pause' }).click();
      expect(await page.getByRole('alert').count()).toBe(0);
      expect(log.errors).toEqual([]);
    });
  });
});
