// Accessibility checked by a tool: axe-core on the built app (CPU engine) on the
// main screen and with a trained model (charts, gate heatmaps, a sample and the
// export panel filled), each in the light and the dark theme. Any serious or
// critical violation fails, printed rule by rule; the moderate and minor
// counts are printed too. Then what axe cannot see: a heatmap cell's value is
// announced as the keyboard walks the cells, and under prefers-reduced-motion
// nothing on the page transitions or animates.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp } from '../helpers/app';
import { audit as auditPage, failing } from './axe';
import { launch } from './browser';
import { drawnShare } from './drawn';
import { pausedSteps, stepCount, untilTrainable } from './steps';

const RESULTS = resolve(import.meta.dirname, '../../test-results');
// A small model on the CPU engine, so a few steps fill every panel quickly.
const HASH = '#E=12&H=24&L=1&T=24&B=4&lr=0.01&seed=3&backend=cpu';
const THEMES = ['light', 'dark'] as const;
type Theme = (typeof THEMES)[number];

const app = serveBuiltApp();
let browser: Browser;
let context: BrowserContext;
let page: Page;
let errors: string[];

beforeAll(async () => {
  mkdirSync(RESULTS, { recursive: true });
  browser = await launch('cpu');
  context = await browser.newContext({ viewport: { width: 1440, height: 1100 } });
  const opened = await openPage(context, app.url + HASH);
  page = opened.page;
  errors = opened.log.errors;
});

afterAll(async () => {
  await context?.close();
  await browser?.close();
});

/** Switches the page's theme the way the system would, and waits until the page follows it. */
async function switchTheme(theme: Theme): Promise<void> {
  await page.emulateMedia({ colorScheme: theme });
  await expect
    .poll(() => page.evaluate(() => matchMedia('(prefers-color-scheme: dark)').matches))
    .toBe(theme === 'dark');
}

const audit = (label: string) => auditPage(page, label);

describe('accessibility (axe-core)', () => {
  it.each(THEMES)('main screen, %s theme: no serious or critical violations', async (theme) => {
    await untilTrainable(page, 60_000);
    await switchTheme(theme);
    await page.screenshot({ path: `${RESULTS}/a11y-main-${theme}.png`, fullPage: true });
    expect(failing(await audit(`main ${theme}`))).toEqual([]);
  });

  it('with a trained model, both themes: no serious or critical violations', async () => {
    await switchTheme('light');
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    await expect.poll(() => stepCount(page), { timeout: 120_000 }).toBeGreaterThanOrEqual(30);
    await page.getByRole('button', { name: 'Pause' }).click();
    await pausedSteps(page);
    // The gates of a trained model are drawn, and a sample has been generated.
    await expect
      .poll(() => drawnShare(page, /^forget gate heatmap/), { timeout: 60_000 })
      .toBeGreaterThan(0.5);
    await page.getByLabel('Sample length').fill('80');
    await page.getByRole('button', { name: 'Generate' }).click();
    await expect
      .poll(() => page.getByRole('button', { name: 'Generate' }).isEnabled(), { timeout: 60_000 })
      .toBe(true);
    await expect
      .poll(() =>
        page.getByRole('log', { name: 'Generated text' }).locator('.generated').textContent(),
      )
      .toHaveLength(80);
    // The advanced settings open, so their fields are audited too.
    await page.getByText('Advanced', { exact: true }).click();
    await expect.poll(() => page.locator('details.advanced').getAttribute('open')).toBe('');
    // Both themes audited before either fails, so one run reports everything.
    const found: Record<string, string[]> = {};
    for (const theme of THEMES) {
      await switchTheme(theme);
      await page.evaluate(() => window.scrollTo(0, 0));
      await page.screenshot({ path: `${RESULTS}/a11y-trained-${theme}.png`, fullPage: true });
      found[theme] = failing(await audit(`trained ${theme}`));
    }
    expect(found).toEqual({ light: [], dark: [] });
  });

  it('asks before a change discards the model in a dialog that passes too', async () => {
    await page.getByRole('radio', { name: 'GRU', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Start a new model?' });
    await expect.poll(() => dialog.isVisible()).toBe(true);
    const found: Record<string, string[]> = {};
    for (const theme of THEMES) {
      await switchTheme(theme);
      found[theme] = failing(await audit(`dialog ${theme}`));
    }
    await page.keyboard.press('Escape');
    await expect.poll(() => dialog.isVisible()).toBe(false);
    expect(found).toEqual({ light: [], dark: [] });
  });

  it('reaches a heatmap by Tab and announces the cell the arrow keys move to', async () => {
    // The first map follows the gate controls in the tab order.
    await page.getByRole('spinbutton', { name: 'Unit', exact: true }).focus();
    await page.keyboard.press('Tab');
    const map = page.getByRole('img', { name: /^input gate heatmap/ });
    expect(await map.evaluate((el) => el === document.activeElement)).toBe(true);
    // The readout the canvas is described by, spoken as it changes (a polite live region).
    const readout = page.locator(`[id="${await map.getAttribute('aria-describedby')}"]`);
    expect(await readout.getAttribute('aria-live')).toBe('polite');
    const said = async () => {
      const text = (await readout.textContent()) ?? '';
      const m = /^input gate (-?\d+\.\d{3}) at position (\d+), character .+, unit (\d+)$/.exec(
        text,
      );
      return m ? { pos: Number(m[2]), unit: Number(m[3]) } : text;
    };
    await page.keyboard.press('ArrowRight');
    await expect.poll(said).toMatchObject({ pos: 1 });
    const first = (await said()) as { pos: number; unit: number };
    // The card a sighted person sees names the same cell.
    const card = page.getByRole('tooltip');
    expect(await card.textContent()).toContain(`position 1 · unit ${first.unit}`);
    // Down walks the rows (another unit), right the positions.
    await page.keyboard.press('ArrowDown');
    await expect.poll(async () => ((await said()) as { unit: number }).unit).not.toBe(first.unit);
    await page.keyboard.press('ArrowRight');
    await expect.poll(said).toMatchObject({ pos: 2 });
    // The hover card the keys opened passes axe too.
    expect(failing(await audit('hover card'))).toEqual([]);
    // Escape leaves the cells: nothing is read out any more.
    await page.keyboard.press('Escape');
    await expect.poll(() => readout.textContent()).toBe('');
  });

  it('transitions and animations stop under prefers-reduced-motion', async () => {
    const train = page.getByRole('button', { name: 'Train', exact: true });
    const motion = () =>
      train.evaluate((el) => {
        const style = getComputedStyle(el);
        return { transition: style.transitionDuration, animation: style.animationName };
      });
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    expect((await motion()).transition).not.toMatch(/^0s(, 0s)*$/);
    await page.emulateMedia({ reducedMotion: 'reduce' });
    expect(await motion()).toEqual({ transition: '0s', animation: 'none' });
    // The sampling cursor blinks by a CSS animation: under reduced motion it stays still.
    const cursorAnimation = await page.evaluate(() => {
      const probe = document.createElement('div');
      probe.className = 'sample-output';
      probe.innerHTML = '<span class="cursor"></span>';
      document.body.append(probe);
      const name = getComputedStyle(probe.firstElementChild!).animationName;
      probe.remove();
      return name;
    });
    expect(cursorAnimation).toBe('none');
    expect(errors).toEqual([]);
  });
});
