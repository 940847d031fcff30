// Auto in the browser. On the WebGPU page (SwiftShader here) the page says it
// is measuring, then which engine it picked, by how much, with the figures,
// and the pick is the engine this test's own timing shows faster: the same
// model trained on each engine explicitly (backend=cpu / backend=webgpu in
// the link), steps per second read off the Steps tile, asserted only where
// the ratio is decisive (≥ 1.5×: a small model, E16 H32 T16 B4, where
// SwiftShader's per-dispatch cost dwarfs the CPU's step). The next visit takes
// the kept decision ("measured earlier") and Measure again measures anew. On
// the CPU-only page Auto trains on the CPU and says why there was nothing to
// measure.

import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { pausedSteps, stepCount, untilTrainable } from './steps';

const app = serveBuiltApp();
const SHAPE = 'E=16&H=32&L=1&T=16&B=4&lr=0.01&seed=3';
const CHOICE =
  /^Auto: (CPU|WebGPU), (?:at least )?([\d.]+)× faster than (?:CPU|WebGPU) here \(([\d.]+) vs (≥ )?([\d.]+) ms\/step\), (measured in [\d.]+ s|measured earlier on this device)\.$/;

/** ms per step of the engine `backend` on SHAPE, from the page's own step count over ~3 s. */
async function msPerStep(browser: Browser, backend: 'cpu' | 'webgpu'): Promise<number> {
  const context = await browser.newContext();
  try {
    const { page } = await openPage(context, `${app.url}#${SHAPE}&backend=${backend}`);
    await untilTrainable(page, 90_000);
    const badge = page.getByRole('status', { name: 'Backend' });
    expect(await badge.textContent()).toMatch(backend === 'cpu' ? /^CPU/ : /^WebGPU/);
    await page.getByRole('button', { name: 'Train', exact: true }).click();
    // Past the first steps (a GPU's first submit), then timed.
    await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBeGreaterThanOrEqual(3);
    const [s0, t0] = [await stepCount(page), Date.now()];
    await expect
      .poll(async () => (await stepCount(page)) >= s0 + 40 || Date.now() - t0 > 3000, {
        timeout: 60_000,
        interval: 100,
      })
      .toBe(true);
    const [s1, t1] = [await stepCount(page), Date.now()];
    await page.getByRole('button', { name: 'Pause' }).click();
    await pausedSteps(page);
    return (t1 - t0) / Math.max(1, s1 - s0);
  } finally {
    await context.close();
  }
}

/** Runs in the page before its scripts: keeps every distinct text of the Backend badge. */
function recordBadgeTexts(): void {
  const texts: string[] = [];
  (window as { badgeTexts?: string[] }).badgeTexts = texts;
  new MutationObserver(() => {
    const text = document.querySelector('[aria-label="Backend"]')?.textContent ?? '';
    if (text && texts[texts.length - 1] !== text) texts.push(text);
  }).observe(document, { subtree: true, childList: true, characterData: true });
}

async function choiceText(page: Page): Promise<RegExpMatchArray> {
  // The note's sentence (its button's label apart).
  const said = page.getByRole('note', { name: 'Engine choice' }).locator('span').first();
  await expect.poll(() => said.textContent(), { timeout: 90_000 }).toMatch(CHOICE);
  return ((await said.textContent()) ?? '').match(CHOICE)!;
}

describe('Auto on a WebGPU page', () => {
  it('says it measures, picks the engine the test times faster, says by how much', async () => {
    await withBrowser('webgpu', async (browser) => {
      const own = {
        cpu: await msPerStep(browser, 'cpu'),
        webgpu: await msPerStep(browser, 'webgpu'),
      };
      const ratio = Math.max(own.cpu, own.webgpu) / Math.min(own.cpu, own.webgpu);
      console.log(
        `[e2e auto] own timing: CPU ${own.cpu.toFixed(1)} ms, WebGPU ${own.webgpu.toFixed(1)} ms per step`,
      );
      expect(ratio, 'the engines must differ decisively at this shape').toBeGreaterThanOrEqual(1.5);
      const faster = own.cpu < own.webgpu ? 'CPU' : 'WebGPU';

      const context = await browser.newContext();
      const { page, log } = await openPage(context, `${app.url}#${SHAPE}&backend=auto`, {
        // Every text the badge shows, recorded by the page itself: "Measuring…" may last a
        // tenth of a second, less than one look from the test.
        beforeLoad: (p) => p.addInitScript(recordBadgeTexts),
      });
      const badge = page.getByRole('status', { name: 'Backend' });
      const [text, pick, speedup, , , , when] = await choiceText(page);
      const shown = await page.evaluate(() => (window as { badgeTexts?: string[] }).badgeTexts);
      expect(shown).toContainEqual(
        expect.stringMatching(/^Measuring… which engine is faster here/),
      );
      console.log(`[e2e auto] ${text}`);
      expect(pick).toBe(faster);
      expect(Number(speedup)).toBeGreaterThan(1.2);
      expect(when).toMatch(/^measured in/);
      expect(await badge.textContent()).toMatch(new RegExp(`^${pick}`));
      await untilTrainable(page, 60_000);

      // A second visit (same browser profile): the kept decision, at once.
      await page.reload();
      const [, again, , , , , earlier] = await choiceText(page);
      expect(again).toBe(pick);
      expect(earlier).toBe('measured earlier on this device');

      // Measure again: measured anew.
      await page.getByRole('button', { name: 'Measure again' }).click();
      await expect
        .poll(async () => (await choiceText(page))[6], { timeout: 90_000 })
        .toMatch(/^measured in/);
      expect(log.errors).toEqual([]);
      await context.close();
    });
  });
});

describe('Auto on a CPU-only page', () => {
  it('trains on the CPU and says there was nothing to measure', async () => {
    await withBrowser('cpu', async (browser) => {
      const { page, log } = await openPage(browser, `${app.url}#${SHAPE}&backend=auto`);
      await untilTrainable(page, 90_000);
      expect(await page.getByRole('status', { name: 'Backend' }).textContent()).toMatch(/^CPU/);
      const note = page.getByRole('note', { name: 'CPU fallback' });
      await expect
        .poll(() => note.textContent())
        .toMatch(/Auto had nothing to measure: the CPU engine is the only one/);
      expect(await page.getByRole('note', { name: 'Engine choice' }).count()).toBe(0);
      await page.getByRole('button', { name: 'Step' }).click();
      await expect.poll(() => stepCount(page), { timeout: 60_000 }).toBe(1);
      expect(log.errors).toEqual([]);
    });
  });
});
