// The forecast page end to end on the CPU backend (no WebGPU) with a small
// model: the forecast task chosen, a CSV pasted with a date column, two
// numeric columns and one bad cell in the column not chosen (its problem names
// row and column; choosing it is refused while the series stays), two target
// columns (the chart draws the one the person picks), a horizon, training until validation scores and a forecast arrive
// past a step count, the chart's actual, one-step and rollout lines and the
// forecast past the last row, the
// scores beside the naive baselines, the gates over the series stretch (moved
// to another row by the person), then a
// built-in series and a dropped .csv file. Screenshots of both themes go to
// test-results/, and axe-core finds no serious or critical violation in either.

import { mkdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { audit, failing } from './axe';
import { pausedSteps, shownNumber, stepCount, untilTrainable } from './steps';

const RESULTS = resolve(import.meta.dirname, '../../test-results');
/** A small LSTM on the CPU, so steps come quickly on two shared cores; the task is chosen on the page. */
const HASH = '#backend=cpu&H=16&L=1&T=16&B=4&lr=0.01&seed=3';
const VIEWPORT = { width: 1440, height: 1300 };
/** Training runs past this step, and the scores and forecast shown must be of a step this late. */
const STEPS = 30;
const CEILING = { timeout: 300_000, interval: 250 };
const ROWS = 400;
/** Data row (0-based) whose temp cell is bad; the file's line is two more (header, 1-based). */
const BAD_ROW = 137;
/** Under the 40 validation rows: the rollout runs over the held-out rows, at most all of them. */
const HORIZON = 24;

const app = serveBuiltApp();

beforeAll(() => {
  mkdirSync(RESULTS, { recursive: true });
});

/**
 * A day-by-day CSV: date, temp (one "n/a"), hum (a season of 12 rows), load (a season of 24
 * rows plus a trend).
 */
function csv(): string {
  const lines = ['date,temp,hum,load'];
  const day0 = Date.UTC(2024, 0, 1);
  for (let k = 0; k < ROWS; k++) {
    const date = new Date(day0 + k * 86_400_000).toISOString().slice(0, 10);
    const temp = k === BAD_ROW ? 'n/a' : (10 + 8 * Math.sin((2 * Math.PI * k) / 60)).toFixed(2);
    const hum = (60 + 15 * Math.cos((2 * Math.PI * k) / 12)).toFixed(2);
    const load = (100 + 0.05 * k + 20 * Math.sin((2 * Math.PI * k) / 24)).toFixed(2);
    lines.push(`${date},${temp},${hum},${load}`);
  }
  return lines.join('\n') + '\n';
}

/** Points of the stroked curve of the chart line with class `line` (0 when not drawn). */
function pointsOf(page: Page, line: string): Promise<number> {
  return page
    .getByRole('img', { name: /^Forecast chart/ })
    .locator(`.${line} path.recharts-line-curve`)
    .evaluateAll((paths) =>
      Math.max(0, ...paths.map((p) => (p.getAttribute('d') ?? '').split(/[LC]/).length)),
    );
}

/** A figure of the scores table ("0.1234", "1.20e-4"); NaN for "–". */
async function score(page: Page, label: string): Promise<number> {
  return Number((await page.getByLabel(label, { exact: true }).textContent())?.trim());
}

describe('forecast page (cpu)', () => {
  it('trains on a pasted CSV, draws the forecast, compares with the baselines', async () => {
    await withBrowser('cpu', async (browser) => {
      const { page, log } = await openPage(browser, app.url + HASH, { viewport: VIEWPORT });
      await untilTrainable(page, 300_000);
      // Choosing the task (an untrained model: applied at once) puts the series panel in the
      // corpus panel's place, which starts on the first built-in series.
      await page.getByRole('radio', { name: /Forecast/ }).check();
      await expect.poll(() => page.getByLabel('CSV text').count()).toBe(1);
      expect(await page.getByLabel('Corpus text').count()).toBe(0);
      const inUse = page.getByRole('group', { name: 'Series in use' });
      await expect.poll(() => inUse.textContent(), { timeout: 60_000 }).toContain('Noisy sines');

      // Paste the CSV: rows, split, the date column left out, the bad cell named by row and column.
      await page.getByLabel('CSV text').fill(csv());
      await page.getByRole('button', { name: 'Use CSV' }).click();
      await expect.poll(() => inUse.textContent(), { timeout: 60_000 }).toContain('Pasted CSV');
      expect(await shownNumber(page, 'Series rows')).toBe(ROWS);
      const train = await shownNumber(page, 'Training rows');
      const validation = await shownNumber(page, 'Validation rows');
      expect(train + validation).toBe(ROWS);
      expect(validation).toBeGreaterThan(0);
      expect(await page.getByLabel('Series notes').textContent()).toMatch(/date/);
      const problems = page.getByRole('status', { name: 'Column problems' });
      expect(await problems.textContent()).toContain(
        `row ${BAD_ROW + 2}, column "temp": "n/a" is not a number`,
      );

      // The targets: load (the last clean column, the default) and hum (temp, with its bad cell,
      // is left out).
      const loadTarget = page.getByLabel('load is a target');
      if (!(await loadTarget.isChecked())) await loadTarget.check();
      await expect.poll(() => loadTarget.isChecked(), { timeout: 60_000 }).toBe(true);
      // click(), not check(): the box follows the worker's answer, so right after the click it
      // may still be off, which check() takes for a failed click.
      await page.getByLabel('hum is a target').click();
      await expect
        .poll(() => page.getByLabel('hum is a target').isChecked(), { timeout: 60_000 })
        .toBe(true);
      await expect
        .poll(() => page.getByLabel('hum is an input').isChecked(), { timeout: 60_000 })
        .toBe(true);
      expect(await page.getByLabel('temp is a target').isChecked()).toBe(false);
      expect(await page.getByLabel('temp is an input').isChecked()).toBe(false);

      // Reading temp is refused (its bad cell), clearly, and the series in use stays.
      await page.getByLabel('temp is an input').click(); // not check(): the box stays off, refused
      const problem = page.getByRole('alert', { name: 'Series problem' });
      await expect.poll(() => problem.textContent(), { timeout: 60_000 }).toMatch(/temp/);
      // The refusal names the row too (as a data row or a file line: the column list has the line).
      expect(await problem.textContent()).toMatch(/row \d+/);
      expect(await problem.textContent()).toContain('still using Pasted CSV');
      expect(await inUse.textContent()).toContain('Pasted CSV');
      await expect.poll(() => page.getByLabel('temp is an input').isChecked()).toBe(false);
      expect(await loadTarget.isChecked()).toBe(true);

      // The rollout's horizon.
      const horizon = page.getByLabel('Horizon (rows)');
      await horizon.fill(String(HORIZON));
      await horizon.press('Enter');
      await expect
        .poll(() => page.getByLabel('Forecast legend').isVisible(), { timeout: 30_000 })
        .toBe(true);

      // Train until scores and a forecast of a step past STEPS arrive.
      await untilTrainable(page, 300_000);
      await page.getByRole('button', { name: 'Train', exact: true }).click();
      await expect.poll(() => stepCount(page), CEILING).toBeGreaterThanOrEqual(STEPS);
      const forecastStep = async () =>
        Number(
          (
            (await page
              .getByLabel('Forecast step')
              .textContent()
              .catch(() => '')) ?? ''
          )
            .match(/step ([\d,]+)/)?.[1]
            ?.replace(/,/g, '') ?? NaN,
        );
      await expect.poll(forecastStep, CEILING).toBeGreaterThanOrEqual(STEPS);
      const modelStep = async () =>
        Number(
          ((await page.getByRole('rowheader', { name: /^model/ }).textContent()) ?? '')
            .match(/step ([\d,]+)/)?.[1]
            ?.replace(/,/g, '') ?? NaN,
        );
      await expect.poll(modelStep, CEILING).toBeGreaterThanOrEqual(STEPS);
      await page.getByRole('button', { name: 'Pause' }).click();
      const paused = await pausedSteps(page, CEILING.timeout);

      // The chart: actual and one-step over the shown rows, the rollout over the horizon.
      await expect.poll(() => pointsOf(page, 'line-actual'), CEILING).toBeGreaterThan(HORIZON);
      expect(await pointsOf(page, 'line-one-step')).toBeGreaterThan(HORIZON);
      expect(await pointsOf(page, 'line-rollout')).toBe(Math.min(HORIZON, validation));
      // Every input is a target: the forecast goes on past the last row for the horizon.
      expect(await pointsOf(page, 'line-future')).toBe(HORIZON);
      // Two targets: the chart draws the first until the person picks the other.
      const chartColumn = page.getByRole('combobox', { name: 'Chart column' });
      expect(await chartColumn.inputValue()).toBe('hum');
      expect(await page.getByRole('img', { name: /^Forecast chart of hum:/ }).count()).toBe(1);

      // The scores beside the baselines, with the verdict.
      const mse = await score(page, 'Model validation MSE');
      const mae = await score(page, 'Model validation MAE');
      const lastValue = await score(page, 'Last-value MSE');
      expect(mse).toBeGreaterThan(0);
      expect(mae).toBeGreaterThan(0);
      expect(lastValue).toBeGreaterThan(0);
      const verdict = (await page
        .getByRole('status', { name: 'Baseline comparison' })
        .textContent())!;
      expect(verdict).toMatch(
        mse < lastValue
          ? /beats the last-value baseline by (more than )?\d+\.\d%/
          : /not yet below the last-value baseline \(\d+\.\d% above it\)/,
      );
      console.log(
        `[e2e forecast] step ${paused}: validation MSE ${mse}, MAE ${mae}, last value ${lastValue}: ${verdict}`,
      );
      // Two targets: each one's MSE beside its own baselines, with a verdict.
      const perTarget = page.getByRole('table', { name: 'Validation MSE per target' });
      expect(await perTarget.getByRole('rowheader').allTextContents()).toEqual(['hum', 'load']);
      for (const cells of await perTarget.locator('tbody tr').all()) {
        const [model, last, , verdict] = await cells.getByRole('cell').allTextContents();
        expect(Number(model)).toBeGreaterThan(0);
        expect(Number(last)).toBeGreaterThan(0);
        expect(verdict).toMatch(/^(beats|not yet)/);
      }
      const curve = page.getByRole('img', { name: 'Validation MSE per step, with the baselines' });
      expect(await curve.locator('.baseline-last').count()).toBe(1);

      // The gates over the series stretch: a line of its values under each map.
      await expect
        .poll(
          () => page.getByRole('img', { name: /^hum values, rows \d+ to \d+$/ }).count(),
          CEILING,
        )
        .toBeGreaterThan(0);
      // A forecaster reads values, not tokens: its per-layer gradient norms name no embedding.
      const perLayer = page.locator('figure.diag-chart').filter({ hasText: 'Gradient per layer' });
      await expect.poll(() => perLayer.textContent(), CEILING).toContain('head');
      expect(await perLayer.textContent()).not.toContain('embedding');
      // The person moves the stretch (as they edit a probe text): the maps, the line under them
      // and the outline on the forecast chart follow.
      const fromRow = page.getByRole('spinbutton', { name: 'Gates from row' });
      expect(await fromRow.inputValue()).toBe(String(ROWS - validation));
      await fromRow.fill('100');
      await fromRow.press('Enter');
      await expect
        .poll(() => page.getByRole('img', { name: 'hum values, rows 100 to 299' }).count(), CEILING)
        .toBeGreaterThan(0);
      expect(await page.getByText(/^Probed: rows 100 to 299 of 400/).count()).toBe(1);
      expect(await page.locator('.forecast-chart .gates-stretch').count()).toBe(1);

      // The other target picked: the chart and the line under the maps draw load, in its units.
      await chartColumn.selectOption('load');
      await expect
        .poll(() => page.getByRole('img', { name: /^Forecast chart of load:/ }).count())
        .toBe(1);
      expect(
        await page.getByRole('img', { name: 'load values, rows 100 to 299' }).count(),
      ).toBeGreaterThan(0);
      expect(await pointsOf(page, 'line-rollout')).toBe(Math.min(HORIZON, validation));

      // The chart's numbers as CSV: every target's lines, a line per row it spans (all 400 rows
      // here, then the horizon past the last), the actual values as the pasted file has them.
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Download CSV' }).click(),
      ]);
      expect(download.suggestedFilename()).toMatch(/^Pasted-CSV-forecast-step\d+\.csv$/);
      const [head, ...body] = readFileSync(await download.path(), 'utf8')
        .trimEnd()
        .split('\n');
      expect(head.split(',')).toEqual([
        'row',
        ...['hum', 'load'].flatMap((c) => [
          c,
          `${c} one-step`,
          `${c} rollout`,
          `${c} after the last row`,
        ]),
      ]);
      expect(body.map((line) => Number(line.split(',')[0]))).toEqual(
        Array.from({ length: ROWS + HORIZON }, (_, r) => r),
      );
      const pasted = csv().trimEnd().split('\n').slice(1);
      for (const r of [0, 137, ROWS - 1]) {
        const [hum, load] = [2, 3].map((k) => Number(pasted[r].split(',')[k]));
        expect(body[r].split(',')[1]).toBe(String(hum));
        expect(body[r].split(',')[5]).toBe(String(load));
      }

      // Shot and audited in both themes (axe-core, as tests/e2e/a11y.test.ts for the text page);
      // both audited before either fails, so one run reports everything.
      const forecast = page.locator('section[aria-labelledby="forecast-title"]');
      const found: Record<string, string[]> = {};
      for (const scheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme: scheme });
        await page.screenshot({ path: `${RESULTS}/forecast-${scheme}.png`, fullPage: true });
        await forecast.screenshot({ path: `${RESULTS}/forecast-panel-${scheme}.png` });
        found[scheme] = failing(await audit(page, `forecast ${scheme}`));
      }
      await page.emulateMedia({ colorScheme: 'light' });
      expect(found).toEqual({ light: [], dark: [] });

      // A built-in series: the trained model is kept under Saved runs once agreed.
      await page.getByRole('button', { name: 'Mackey-Glass' }).click();
      const ask = page.getByRole('dialog', { name: 'Start a new model?' });
      await expect.poll(() => ask.textContent()).toContain('Mackey-Glass');
      await ask.getByRole('button', { name: 'Use the new text' }).click();
      await expect.poll(() => inUse.textContent(), { timeout: 60_000 }).toContain('Mackey-Glass');
      expect(await shownNumber(page, 'Series rows')).toBeGreaterThan(0);
      expect(
        await page.getByRole('button', { name: 'Mackey-Glass' }).getAttribute('aria-pressed'),
      ).toBe('true');
      await page.locator('section[aria-labelledby="series-title"]').screenshot({
        path: `${RESULTS}/forecast-series-builtin.png`,
      });

      // A .csv file dropped anywhere on the page (here on the Gates heading) becomes the series,
      // read in the worker; the model on Mackey-Glass is untrained, so nothing asks.
      const transfer = await page.evaluateHandle((text) => {
        const data = new DataTransfer();
        data.items.add(new File([text], 'daily.csv', { type: 'text/csv' }));
        return data;
      }, csv());
      const target = page.getByRole('heading', { name: 'Gates', exact: true });
      await target.dispatchEvent('dragenter', { dataTransfer: transfer });
      await target.dispatchEvent('dragover', { dataTransfer: transfer });
      await target.dispatchEvent('drop', { dataTransfer: transfer });
      await expect.poll(() => inUse.textContent(), { timeout: 60_000 }).toContain('daily.csv');
      expect(await shownNumber(page, 'Series rows')).toBe(ROWS);
      expect(page.url()).toContain(app.url); // the browser did not navigate to the file

      expect(log.errors).toEqual([]);
    });
  });
});
