// The settings panel in the browser (CPU backend: nothing here depends on the
// engine): its sections, settings that appear only while they matter, the
// schedule's readout, the collapsed Advanced part, and the overfitting
// preset, which applies its settings with its corpus (at once on an untrained
// model, after the one question on a trained one). Screenshots of the panel
// in light and dark go to test-results/panel-*.png.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERFIT_SETTINGS } from '../../src/corpora/overfit';
import { scheduledRate } from '../../src/engine/training/schedule';
import { DEFAULT_RUN_CONFIG } from '../../src/engine/settings';
import { formatRate } from '../../src/ui/components/ScheduleReadout';
import { openPage, serveBuiltApp } from '../helpers/app';
import { launch } from './browser';
import { pausedSteps, stepCount, untilTrainable } from './steps';

const RESULTS = resolve(import.meta.dirname, '../../test-results');
const app = serveBuiltApp();
let browser: Browser | null;

beforeAll(async () => {
  browser = await launch('cpu');
  mkdirSync(RESULTS, { recursive: true });
});

afterAll(async () => {
  await browser?.close();
});

async function open(hash = ''): Promise<{ page: Page; errors: string[] }> {
  const { page, log } = await openPage(browser!, app.url + hash, {
    // Tall enough for the whole panel without scrolling under the sticky top bar.
    viewport: { width: 1440, height: 2000 },
  });
  await untilTrainable(page, 60_000);
  return { page, errors: log.errors };
}

const hashOf = (page: Page) => page.evaluate(() => location.hash);

describe('the settings panel', () => {
  it('shows each setting in its section, and sub-settings only while they matter', async () => {
    const { page, errors } = await open('#T=16&B=4');
    const panel = page.getByRole('region', { name: 'Model & training' });
    for (const [section, field] of [
      ['Model', 'Hidden H'],
      ['Training', 'Seed'],
      ['Optimizer & schedule', 'Learning rate'],
      ['Regularisation', 'Dropout'],
    ]) {
      const group = panel.getByRole('group', { name: section, exact: true });
      expect(await group.getByLabel(field, { exact: true }).count(), section).toBe(1);
    }

    await panel.screenshot({ path: `${RESULTS}/panel-default-light.png` });
    await page.emulateMedia({ colorScheme: 'dark' });
    await panel.screenshot({ path: `${RESULTS}/panel-default-dark.png` });
    await page.emulateMedia({ colorScheme: 'light' });

    // The constant schedule has no sub-settings and no readout.
    expect(await panel.getByLabel('Warm-up steps').count()).toBe(0);
    expect(await panel.getByLabel('Scheduled learning rate').count()).toBe(0);
    await panel.getByRole('radio', { name: 'Warm-up + cosine' }).check();
    await expect.poll(() => hashOf(page)).toContain('sched=cosine');
    const warmup = panel.getByLabel('Warm-up steps');
    await expect.poll(() => warmup.count()).toBe(1);
    expect(await panel.getByLabel('Decay steps').count()).toBe(1);
    expect(await panel.getByLabel('Decay every').count()).toBe(0);
    // Untrained: the readout describes step 1, the first of the warm-up.
    const readout = panel.getByLabel('Scheduled learning rate');
    const optimizer = { ...DEFAULT_RUN_CONFIG.train.optimizer, schedule: 'cosine' as const };
    expect(await readout.textContent()).toBe(
      `lr now ${formatRate(scheduledRate(optimizer, 1))} (step 1)`,
    );
    // A live sub-setting applies at once and moves the readout.
    await warmup.fill('4');
    await warmup.press('Enter');
    await expect.poll(() => hashOf(page)).toContain('warm=4');
    await expect
      .poll(() => readout.textContent())
      .toBe(`lr now ${formatRate(scheduledRate({ ...optimizer, warmupSteps: 4 }, 1))} (step 1)`);

    await panel.getByRole('radio', { name: 'Step decay' }).check();
    await expect.poll(() => panel.getByLabel('Decay every').count()).toBe(1);
    expect(await panel.getByLabel('Decay steps').count()).toBe(0);

    // The dropout masks appear with dropout.
    const masks = panel.getByRole('radiogroup', { name: 'Dropout masks' });
    expect(await masks.count()).toBe(0);
    await panel.getByLabel('Dropout', { exact: true }).fill('0.3');
    await panel.getByLabel('Dropout', { exact: true }).press('Enter');
    await expect.poll(() => masks.count()).toBe(1);
    await expect.poll(() => hashOf(page)).toContain('drop=0.3');

    // Advanced is collapsed: its fields are not visible until it is opened.
    const beta1 = panel.getByLabel('Adam β1');
    expect(await beta1.isVisible()).toBe(false);
    await panel.locator('summary', { hasText: 'Advanced' }).click();
    await expect.poll(() => beta1.isVisible()).toBe(true);
    await beta1.fill('0.8');
    await beta1.press('Enter');
    await expect.poll(() => hashOf(page)).toContain('b1=0.8');

    // The readout follows training: three steps into a short cosine, it names step 3's rate.
    await panel.getByRole('radio', { name: 'Warm-up + cosine' }).check();
    const decay = panel.getByLabel('Decay steps');
    await decay.fill('20');
    await decay.press('Enter');
    await expect.poll(() => hashOf(page)).toContain('decay=20');
    for (let i = 1; i <= 3; i++) {
      await page.getByRole('button', { name: 'Step' }).click();
      await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBe(i);
    }
    expect(await pausedSteps(page)).toBe(3);
    const short = { ...optimizer, warmupSteps: 4, decaySteps: 20, beta1: 0.8 };
    await expect
      .poll(() => readout.textContent())
      .toBe(`lr now ${formatRate(scheduledRate(short, 3))} (step 3)`);

    await panel.screenshot({ path: `${RESULTS}/panel-light.png` });
    await page.emulateMedia({ colorScheme: 'dark' });
    await panel.screenshot({ path: `${RESULTS}/panel-dark.png` });
    expect(errors).toEqual([]);
    await page.close();
  });
});

describe('the overfitting preset', () => {
  it('applies its settings with its corpus, untrained at once and trained after asking', async () => {
    const { page, errors } = await open('#T=16&B=4&H=32&drop=0.2&patience=3');
    const hidden = page.getByLabel('Hidden H');
    const chip = page.getByRole('button', { name: 'Overfitting preset' });
    const inUse = page.getByRole('group', { name: 'Corpus in use' });
    const preset = page.getByRole('note', { name: 'Corpus preset' });
    const validationShare = async () => {
      const [chars, , , validation] = await inUse.locator('dd').allTextContents();
      return Number(validation.replace(/,/g, '')) / Number(chars.replace(/,/g, ''));
    };

    // Untrained: the settings and the corpus are taken at once.
    await chip.click();
    await expect.poll(() => inUse.locator('.name').textContent()).toBe('Overfitting preset');
    expect(await hidden.inputValue()).toBe(String(OVERFIT_SETTINGS.hiddenSize));
    expect(await page.getByLabel('Dropout', { exact: true }).inputValue()).toBe('0');
    expect(await page.getByLabel('Early stop patience').inputValue()).toBe('0');
    const hash = new URLSearchParams((await hashOf(page)).slice(1));
    expect([hash.get('H'), hash.get('val'), hash.get('drop'), hash.get('patience')]).toEqual([
      '256',
      '0.25',
      '0',
      '0',
    ]);
    expect(await preset.textContent()).toBe(
      'Preset: Hidden H 256, Batch B 8, Window T 32, Validation share 0.25, Dropout 0, Early stop patience 0',
    );
    // The corpus was split by the preset's validation share (a quarter, to within a window).
    expect(Math.abs((await validationShare()) - OVERFIT_SETTINGS.valFraction)).toBeLessThan(0.01);

    await page
      .getByRole('region', { name: 'Corpus' })
      .screenshot({ path: `${RESULTS}/panel-preset-corpus.png` });

    // Trained: a smaller model, one step, then the preset again asks once, naming its settings.
    await hidden.fill('32');
    await hidden.press('Enter');
    await expect.poll(() => hashOf(page)).toContain('H=32');
    await page.getByRole('button', { name: 'Step' }).click();
    await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThan(0);
    await pausedSteps(page);
    await chip.click();
    const dialog = page.getByRole('dialog', { name: 'Start a new model?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    expect(await dialog.textContent()).toContain('with its settings (Hidden H 256');
    await page.getByRole('button', { name: 'Use the new text' }).click();
    await expect.poll(() => hidden.inputValue()).toBe('256');
    await expect.poll(() => hashOf(page)).toContain('H=256');
    await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBe(0);
    expect(errors).toEqual([]);
    await page.close();
  });
});
