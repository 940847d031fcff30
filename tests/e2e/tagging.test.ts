// Issue 15's tagging page, as a learner meets it, on the CPU engine: pick
// Restore spaces in the task picker, compare the model reading left to right
// with the same model reading both ways in one click, train until both have
// validation scores, and see both models' accuracy and F1 curves, score
// tiles and legend figures that are shares in [0, 1], the probe text restored
// with its mistakes marked beside the truth, and the bi model's reverse
// gates; sampling and (for the bi model) the gradient flow are not shown; no
// console errors. Screenshots in both colour schemes go to test-results/
// (tagging-*.png) to be looked at, and axe-core finds no serious or critical
// violation in either, with the compare, restoration and score panels filled. Every wait is for a condition the page
// states, with a generous ceiling.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { audit, failing } from './axe';
import { drawnModels, drawnShare } from './drawn';
import { pausedSteps, stepCount, untilTrainable } from './steps';

const SCORES_CHART = /^Accuracy and F1/;
const SHOTS = resolve(import.meta.dirname, '../../test-results');
// A small LSTM on the first built-in corpus (subject–verb agreement), CPU engine.
const HASH = '#cell=lstm&E=16&H=32&T=32&B=8&lr=0.01&seed=1&backend=cpu';
const VIEWPORT = { width: 1440, height: 1300 };
const CEILING = { timeout: 240_000, interval: 500 };
/** Training until both models have scores from a few validations: a ceiling only. */
const TRAIN_CEILING = { timeout: 600_000, interval: 1000 };
/** Training goes on until the shown model has been scored at or past this step. */
const SCORED_STEP = 100;
/** Points each model's curves must have by then (a validation run every 25 steps). */
const VALIDATIONS = 4;
/**
 * The corpus's own probe sentence, then spelled-out letters, which no
 * sentence of the corpus has: a model that learned where words end misses
 * their spaces, so the restored text has mistakes to mark however well it trained.
 */
const PROBE = 'The cats which often saw the dog near the old barn were tired. t h e d o g';
// A capital inside a word after a lower-case letter ("dOg") occurs nowhere in the corpora, so
// no model at any step restores it: the restored probe always has at least one marked miss.
const CASE_PROBE = 'The cats which often saw the dOg near the old barn were tired. t h e d o g';

const app = serveBuiltApp();

beforeAll(() => {
  mkdirSync(SHOTS, { recursive: true });
});

/** "0.934" → 0.934; checks it is a share. */
function share(text: string | null): number {
  const v = Number(text);
  expect(v, `${text} is a number in [0, 1]`).toBeGreaterThanOrEqual(0);
  expect(v, `${text} is a number in [0, 1]`).toBeLessThanOrEqual(1);
  return v;
}

describe('issue 15 tagging (cpu)', () => {
  it('restore spaces: uni vs bi compared, accuracy and F1 curves of both, the probe restored with its mistakes marked', async () => {
    await withBrowser('cpu', async (browser) => {
      const { page, log } = await openPage(browser, app.url + HASH, { viewport: VIEWPORT });
      await untilTrainable(page, 120_000);

      // The task picker: next character at first, sampling shown; then Restore spaces.
      const picker = page.getByRole('region', { name: 'Task' });
      const sample = page.getByRole('region', { name: 'Sample' });
      expect(await picker.getByRole('radio', { name: 'Next character' }).isChecked()).toBe(true);
      expect(await sample.count()).toBe(1);
      await picker.getByRole('radio', { name: 'Restore spaces' }).check();
      await expect
        .poll(() => picker.textContent(), CEILING)
        .toContain('whether a space followed it');
      // Sampling means nothing for a tagger; the settings panel has no second task control.
      await expect.poll(() => sample.count(), CEILING).toBe(0);
      const settings = page.getByRole('region', { name: 'Model & training' });
      expect(await settings.getByRole('radio', { name: 'Restore spaces' }).count()).toBe(0);
      await untilTrainable(page, 120_000);

      const probe = page.getByRole('textbox', { name: 'Probe text' });
      await probe.fill(PROBE);

      // One click: the model reading left to right, and beside it the same model both ways.
      const compare = page.getByRole('region', { name: 'Compare' });
      const uniBi = compare.getByRole('button', { name: 'Compare left to right vs both ways' });
      await expect.poll(() => uniBi.isEnabled(), CEILING).toBe(true);
      await uniBi.click();
      await expect.poll(() => compare.getByRole('radio').count(), CEILING).toBe(2);
      const legend = page.getByRole('group', { name: 'Models scored' });
      await expect
        .poll(async () => (await legend.getByRole('button').allTextContents()).join(' | '), CEILING)
        .toMatch(/^LSTM H32 · left to right · .* \| LSTM H32 · both ways · /);
      expect(await compare.getByLabel('Parameters of model 1').textContent()).toMatch(
        /left to right$/,
      );
      expect(await compare.getByLabel('Parameters of model 2').textContent()).toMatch(/both ways$/);

      const train = page.getByRole('button', { name: 'Train', exact: true });
      await expect.poll(() => train.isEnabled(), CEILING).toBe(true);
      await train.click();
      await expect.poll(() => stepCount(page), CEILING).toBeGreaterThan(0);

      // Until the shown model's latest validation is past SCORED_STEP (the compared models take
      // one step each in turn), then both models' accuracy and F1 curves, each of a few runs.
      const scoredStep = async () => {
        const sub = await page.getByLabel('Validation accuracy').locator('xpath=..').textContent();
        return Number(/validation, step ([\d,]+)/.exec(sub ?? '')?.[1].replace(/,/g, '') ?? 0);
      };
      await expect.poll(scoredStep, TRAIN_CEILING).toBeGreaterThanOrEqual(SCORED_STEP);
      await expect
        .poll(
          () => drawnModels(page, SCORES_CHART, '.score-line.accuracy', VALIDATIONS),
          TRAIN_CEILING,
        )
        .toEqual(['model-0', 'model-1']);
      await page.getByRole('button', { name: 'Pause' }).click();
      const steps = await pausedSteps(page, 120_000);
      expect(steps).toBeGreaterThanOrEqual(SCORED_STEP);
      await expect
        .poll(() => drawnModels(page, SCORES_CHART, '.score-line.f1', VALIDATIONS), CEILING)
        .toEqual(['model-0', 'model-1']);

      // The tiles (the shown model's latest) and each model's legend figures are shares.
      const restoration = page.getByRole('region', { name: 'Restoration' });
      const accuracy = share(await page.getByLabel('Validation accuracy').textContent());
      share(await page.getByLabel('Validation f1').textContent());
      const entries = await legend.getByRole('button').allTextContents();
      const figures = entries.map((e) => /acc (\S+) · F1 (\S+)/.exec(e));
      expect(figures.every((f) => f !== null)).toBe(true);
      const [uniAcc, biAcc] = figures.map((f) => share(f![1]));
      figures.forEach((f) => share(f![2]));
      expect(uniAcc).toBe(accuracy); // model 1 (uni) is the one shown

      // The probe restored by the shown model: mistakes marked and named, the truth beside it.
      const restored = restoration.getByLabel('Restored probe text');
      const marks = restored.locator('mark.tag-mark');
      await expect.poll(() => marks.count(), CEILING).toBeGreaterThan(0);
      const named = await marks.evaluateAll((ms) =>
        ms.map((m) => m.querySelector('.visually-hidden')?.textContent ?? ''),
      );
      expect(named.every((n) => /^\[(missing|extra) space: $/.test(n))).toBe(true);
      expect(await restoration.getByLabel('Probe text, true').textContent()).toBe(PROBE);
      share(await restoration.getByLabel('Probe accuracy').textContent());
      const uniRestored = await restored.textContent();

      const shoot = async (scheme: 'light' | 'dark') => {
        await page.emulateMedia({ colorScheme: scheme });
        await expect
          .poll(() => drawnModels(page, SCORES_CHART, '.score-line.accuracy', VALIDATIONS), CEILING)
          .toEqual(['model-0', 'model-1']);
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: `${SHOTS}/tagging-${scheme}.png` });
        await page.screenshot({ path: `${SHOTS}/tagging-full-${scheme}.png`, fullPage: true });
        await restoration.screenshot({ path: `${SHOTS}/tagging-restoration-${scheme}.png` });
        await picker.screenshot({ path: `${SHOTS}/tagging-task-${scheme}.png` });
        await compare.screenshot({ path: `${SHOTS}/tagging-compare-${scheme}.png` });
        return failing(await audit(page, `tagging ${scheme}`));
      };
      // Both themes shot and audited before either fails, so one run reports everything.
      const found = { light: await shoot('light'), dark: await shoot('dark') };
      await page.emulateMedia({ colorScheme: 'light' });
      expect(found).toEqual({ light: [], dark: [] });

      // The uni model shows its gradient flow; picking the bi model hides it and offers its
      // reverse direction's gates, drawn.
      const flow = page.getByRole('img', { name: /^Gradient flow/ });
      expect(await flow.count()).toBe(1);
      await legend.getByRole('button').nth(1).click();
      await expect.poll(() => flow.count(), CEILING).toBe(0);
      // In its place, why a model that reads both ways has none.
      const why = page.getByRole('note', { name: 'Why no gradient flow' });
      expect(await why.textContent()).toMatch(/two chains/);
      const gates = page.getByRole('region', { name: 'Gates' });
      const reverse = gates.getByRole('radio', { name: '← reverse' });
      await expect.poll(() => reverse.count(), CEILING).toBe(1);
      const hMap = gates.getByRole('img', { name: /^hidden output heatmap/ });
      const pixels = () => hMap.evaluate((c: HTMLCanvasElement) => c.toDataURL());
      await expect
        .poll(() => drawnShare(page, /^hidden output heatmap/), CEILING)
        .toBeGreaterThan(0.2);
      const forward = await pixels();
      await reverse.check();
      // The reverse direction's states, not the forward ones, now fill the map.
      await expect.poll(pixels, CEILING).not.toBe(forward);
      await expect
        .poll(() => drawnShare(page, /^hidden output heatmap/), CEILING)
        .toBeGreaterThan(0.2);
      await gates.screenshot({ path: `${SHOTS}/tagging-gates-reverse-light.png` });
      // The restored text is now the bi model's, with the bi model's accuracy on the tile.
      await expect
        .poll(() => page.getByLabel('Validation accuracy').textContent(), CEILING)
        .toBe(biAcc.toFixed(3));
      console.log(
        `[e2e tagging] step ${steps}: ${entries.join(' | ')}\n  uni restored: ${uniRestored}\n  bi restored:  ${await restored.textContent()}`,
      );

      expect(await page.getByRole('alert').allTextContents()).toEqual([]);
      expect(log.errors).toEqual([]);
    });
  });

  it('restore case: one model, its capitals restored with wrong and missing ones marked', async () => {
    await withBrowser('cpu', async (browser) => {
      const { page, log } = await openPage(browser, app.url + HASH, { viewport: VIEWPORT });
      await untilTrainable(page, 120_000);
      await page
        .getByRole('region', { name: 'Task' })
        .getByRole('radio', { name: 'Restore case' })
        .check();
      // Left to right by default; the direction is offered for this task too.
      const reads = page.getByRole('radiogroup', { name: 'Reads' });
      await expect
        .poll(() => reads.getByRole('radio', { name: 'Left to right' }).isChecked(), CEILING)
        .toBe(true);
      await untilTrainable(page, 120_000);
      await page.getByRole('textbox', { name: 'Probe text' }).fill(CASE_PROBE);
      await page.getByRole('button', { name: 'Train', exact: true }).click();
      const restoration = page.getByRole('region', { name: 'Restoration' });
      await expect
        .poll(() => drawnModels(page, SCORES_CHART, '.score-line.accuracy', 2), TRAIN_CEILING)
        .toEqual(['model-0']);
      await page.getByRole('button', { name: 'Pause' }).click();
      await pausedSteps(page, 120_000);
      share(await page.getByLabel('Validation accuracy').textContent());
      share(await page.getByLabel('Validation f1').textContent());
      // "dOg" is always a missed capital; "t h e" after the full stop may also be marked wrong.
      const marks = restoration.getByLabel('Restored probe text').locator('mark.tag-mark');
      await expect.poll(() => marks.count(), CEILING).toBeGreaterThan(0);
      const named = await marks.evaluateAll((ms) =>
        ms.map((m) => m.querySelector('.visually-hidden')?.textContent ?? ''),
      );
      expect(named.every((n) => /^\[(missing|wrong) capital: $/.test(n))).toBe(true);
      expect(await restoration.getByLabel('Probe text, true').textContent()).toBe(CASE_PROBE);
      await restoration.screenshot({ path: `${SHOTS}/tagging-case-light.png` });
      console.log(
        `[e2e tagging] case: ${await restoration.getByLabel('Restored probe text').textContent()}`,
      );
      expect(await page.getByRole('alert').allTextContents()).toEqual([]);
      expect(log.errors).toEqual([]);
    });
  });
});
