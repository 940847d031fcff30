// The gate panels of a GRU, on the CPU backend: a short training run from the
// link (#cell=gru), then the page shows exactly the GRU's heatmaps (r, z, n,
// h, no LSTM gate) with their equations, a hover card whose terms add up
// (h = (1−z)·n + z·h₍t−1₎), a unit finder listing units whose pick colours
// the text, and rows sorted by |r| with a feature starting at the unit the
// finder names first for it. Screenshots of both themes go to test-results/.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { drawnShare } from './drawn';
import { pausedSteps, stepCount, untilTrainable } from './steps';

const RESULTS = resolve(import.meta.dirname, '../../test-results');
/** A small GRU, so steps come quickly on two shared cores. */
const HASH = '#cell=gru&E=16&H=32&L=1&T=16&B=4&lr=0.01&seed=5';
const VIEWPORT = { width: 1440, height: 1100 };
const STEPS = 20;
const GRU_MAPS = ['reset gate', 'update gate', 'candidate', 'hidden output'];
const LSTM_ONLY = ['input gate', 'forget gate', 'output gate', 'cell state (tanh)'];

const app = serveBuiltApp();

beforeAll(() => {
  mkdirSync(RESULTS, { recursive: true });
});

/** Reads "−0.41" and "0.41" alike. */
const parse = (s: string) => Number(s.replace('−', '-'));

describe('gate panels of a GRU (cpu)', () => {
  it('draws r, z, n, h with equations, explains a hover, finds and sorts units', async () => {
    await withBrowser('cpu', async (browser) => {
      const { page, log } = await openPage(browser, app.url + HASH, { viewport: VIEWPORT });
      await untilTrainable(page, 300_000);
      await page.getByRole('button', { name: 'Train', exact: true }).click();
      await expect
        .poll(() => stepCount(page), { timeout: 300_000, interval: 250 })
        .toBeGreaterThanOrEqual(STEPS);
      await page.getByRole('button', { name: 'Pause' }).click();
      await pausedSteps(page, 300_000);

      // Exactly the GRU's maps, drawn, each under its equation.
      const gates = page.locator('section[aria-labelledby="gates-title"]');
      for (const name of GRU_MAPS) {
        await expect
          .poll(() => drawnShare(page, `${name} heatmap: `).catch(() => 0), { timeout: 60_000 })
          .toBeGreaterThan(0.5);
      }
      for (const name of LSTM_ONLY)
        expect(await page.getByRole('img', { name: `${name} heatmap: ` }).count(), name).toBe(0);
      const equations = await gates.locator('.heatmap .equation').allTextContents();
      expect(equations).toEqual([
        'r = σ(x·W_xr + h₍t−1₎·W_hr + b_r)',
        'z = σ(x·W_xz + h₍t−1₎·W_hz + b_z)',
        'n = tanh(x·W_xn + b_n + r ⊙ (h₍t−1₎·W_hn + b_hn))',
        'h = (1 − z) ⊙ n + z ⊙ h₍t−1₎',
      ]);

      // Hover a cell past the first character: the terms that made h, and they add up.
      const update = page.getByRole('img', { name: /^update gate heatmap/ });
      const box = (await update.boundingBox())!;
      await page.mouse.move(box.x + box.width * 0.55, box.y + box.height * 0.5);
      const tooltip = page.getByRole('tooltip');
      await expect.poll(() => tooltip.textContent()).toMatch(/position \d+ · unit \d+ · GRU/);
      const card = (await tooltip.textContent()) ?? '';
      expect(card).toMatch(/z = \d\.\d\d keeps \d+% of h₍t−1₎ = −?\d\.\d\d/);
      expect(card).toMatch(/r = \d\.\d\d scales the recurrent candidate term/);
      const sum = card.match(
        /h = \(1−z\)·n \+ z·h₍t−1₎ = (−?\d\.\d\d) \+ (−?\d\.\d\d) = (−?\d\.\d\d)/,
      );
      expect(sum, card).not.toBeNull();
      const [fresh, kept, h] = sum!.slice(1).map(parse);
      // Two-decimal figures: the sum holds to their rounding.
      expect(Math.abs(fresh + kept - h)).toBeLessThan(0.015);
      await page.screenshot({ path: `${RESULTS}/gates-gru-hover.png` });
      await page.mouse.move(0, 0);
      await expect.poll(() => tooltip.count()).toBe(0);

      // The unit finder lists units with their r; picking one colours the text by it.
      const finder = page.getByRole('group', { name: 'Unit finder' });
      const found = finder.getByRole('button', { name: /^unit \d+, r = −?\d\.\d\d with / });
      await expect.poll(() => found.count()).toBeGreaterThanOrEqual(3);
      const first = found.first();
      const label = (await first.getAttribute('aria-label')) ?? '';
      const [, unit, r, feature] = label.match(/^unit (\d+), r = (−?\d\.\d\d) with (.+)$/)!;
      await first.click();
      await expect.poll(() => page.getByLabel('Unit', { exact: true }).inputValue()).toBe(unit);
      expect(await first.getAttribute('aria-pressed')).toBe('true');
      const textView = gates.locator('.unit-text');
      await expect
        .poll(() => textView.textContent())
        .toContain(`of unit ${unit} · r = ${r} with ${feature}`);

      // Rows by |r| with the vowel feature: the top row holds the finder's first vowel unit.
      await page.getByLabel('Order rows by').selectOption('r:vowel');
      const vowel = finder.getByRole('button', { name: / with vowel$/ }).first();
      const vowelUnit = ((await vowel.getAttribute('aria-label')) ?? '').match(/^unit (\d+)/)![1];
      // Measured again: choosing in the select may have scrolled the page.
      const top = (await update.boundingBox())!;
      await page.mouse.move(top.x + top.width * 0.3, top.y + (0.5 * top.height) / 32);
      await expect.poll(() => tooltip.textContent()).toContain(`unit ${vowelUnit} · GRU`);
      await page.mouse.move(0, 0);

      await gates.screenshot({ path: `${RESULTS}/gates-gru.png` });
      await page.emulateMedia({ colorScheme: 'dark' });
      await gates.screenshot({ path: `${RESULTS}/gates-gru-dark.png` });
      expect(await page.getByRole('alert').count()).toBe(0);
      expect(log.errors).toEqual([]);
    });
  });
});
