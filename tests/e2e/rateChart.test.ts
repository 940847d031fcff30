// The learning rate on the loss chart, end to end on the CPU engine: with a
// cosine schedule (warm-up, then decay) the chart grows a right-hand rate axis
// and a stepped rate line whose height follows the schedule — up through the
// warm-up, down after it — with a legend entry and a tooltip figure, in both
// colour schemes, with no console errors. Screenshots go to test-results/ to
// be looked at.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { pausedSteps, stepCount, untilTrainable } from './steps';

const RESULTS = resolve(import.meta.dirname, '../../test-results');
const VIEWPORT = { width: 1280, height: 900 };
const CEILING = { timeout: 180_000, interval: 500 };
const WARMUP = 20;
const DECAY = 120;

const app = serveBuiltApp();

beforeAll(() => {
  mkdirSync(RESULTS, { recursive: true });
});

describe('learning rate on the loss chart', () => {
  it('draws a cosine schedule on its own axis while training', async () => {
    await withBrowser('cpu', async (browser) => {
      const hash =
        `#cell=lstm&E=16&H=32&L=1&T=16&B=8&lr=0.01&sched=cosine&warm=${WARMUP}` +
        `&decay=${DECAY}&floor=0.1&seed=7&backend=auto`;
      const { page, log } = await openPage(browser, app.url + hash, { viewport: VIEWPORT });
      await untilTrainable(page, 60_000);
      await page.getByRole('button', { name: 'Train', exact: true }).click();
      await expect.poll(() => stepCount(page), CEILING).toBeGreaterThan(WARMUP + DECAY + 40);
      await page.getByRole('button', { name: 'Pause' }).click();
      await pausedSteps(page, CEILING.timeout);

      const chart = page.getByRole('img', { name: /^Loss curves.*with the learning rate$/ });
      // The rate line's screen heights (SVG y grows downwards), left to right.
      const rateYs = () =>
        chart
          .locator('.rate-line path.recharts-line-curve')
          .evaluateAll((paths) =>
            paths.flatMap((p) =>
              [...(p.getAttribute('d') ?? '').matchAll(/[ML]\s*([\d.-]+)[ ,]([\d.-]+)/g)].map((m) =>
                Number(m[2]),
              ),
            ),
          );
      await expect.poll(async () => (await rateYs()).length, CEILING).toBeGreaterThan(20);
      // The chart redraws at most once a second: wait until it has drawn the decay's end.
      const fallAtEnd = async () => {
        const drawn = await rateYs();
        return drawn[drawn.length - 1] - Math.min(...drawn);
      };
      await expect.poll(fallAtEnd, CEILING).toBeGreaterThan(20);
      const ys = await rateYs();
      const top = Math.min(...ys);
      const peakAt = ys.indexOf(top);
      // Warm-up rises to the peak, the cosine then falls well below it.
      expect(ys[0]).toBeGreaterThan(top + 20);
      expect(peakAt).toBeGreaterThan(0);
      expect(ys[ys.length - 1]).toBeGreaterThan(top + 20);

      // The right-hand axis writes rates ("1e-2"), the legend names the line.
      const rateTicks = await chart.locator('text.rate-tick').allTextContents();
      expect(rateTicks).toContain('0');
      expect(rateTicks.some((t) => /^\d(\.\d+)?e-\d$/.test(t))).toBe(true);
      const panel = page.locator('section.panel', { has: chart });
      const legend = panel.locator('.legend', { has: page.locator('.swatch.rate') });
      await expect.poll(() => legend.textContent()).toContain('learning rate');

      // Hovering the chart's middle shows the step's rate in the tooltip.
      await chart.scrollIntoViewIfNeeded();
      const box = await chart.boundingBox();
      if (!box) throw new Error('the loss chart has no box');
      await page.mouse.move(box.x + box.width * 0.45, box.y + box.height / 2);
      const tooltip = chart.locator('.recharts-tooltip-wrapper');
      await expect.poll(() => tooltip.textContent()).toMatch(/learning rate\s*:\s*\d(\.\d+)?e-\d/);

      await panel.screenshot({ path: `${RESULTS}/charts-cosine-light.png` });
      // Redrawn in the dark scheme's colours before the picture: every rate curve drawn (a
      // failure lists their strokes, so a curve left in the light colour shows).
      const rateStrokes = () =>
        chart
          .locator('.rate-line path.recharts-line-curve')
          .evaluateAll((paths) => paths.map((p) => p.getAttribute('stroke')));
      const [lightStroke] = await rateStrokes();
      await page.emulateMedia({ colorScheme: 'dark' });
      await expect
        .poll(rateStrokes, CEILING)
        .toSatisfy((strokes) => strokes.length > 0 && !strokes.includes(lightStroke));
      await page.mouse.move(box.x + box.width * 0.46, box.y + box.height / 2);
      await panel.screenshot({ path: `${RESULTS}/charts-cosine-dark.png` });
      expect(await page.getByRole('alert').count()).toBe(0);
      expect(log.errors).toEqual([]);
    });
  });
});
