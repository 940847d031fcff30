// The engine worker never dies silently: faults injected into the built app
// through its test hooks (an exception outside every handler, the worker
// closing itself as an out-of-memory kill would, an endless loop) are noticed
// by the page, which starts a new worker, resumes the run from its latest
// save and trains on, saying what happened; a Train pressed while the worker
// was already stuck is carried to the new one. A worker that keeps dying is
// not restarted a fourth time. The limit of silence is shortened for the test
// through the same hooks.

import type { Browser, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { MODES, type PageLog } from './browser';
import { stepCount } from './steps';

const app = serveBuiltApp();

const alertText = async (page: Page) => (await page.getByRole('alert').allTextContents()).join(' ');

/** Injects a fault, after clearing earlier messages so the next one is this fault's. */
async function inject(page: Page, fault: 'throw' | 'hang' | 'exit'): Promise<void> {
  const alerts = page.getByRole('alert');
  for (let k = await alerts.count(); k > 0; k--) {
    await alerts.first().getByRole('button', { name: 'Dismiss' }).click();
  }
  await expect.poll(() => alerts.count()).toBe(0);
  await page.evaluate((f) => {
    const hooks = (window as unknown as { gatescopeTest: { injectFault(f: string): void } })
      .gatescopeTest;
    hooks.injectFault(f);
  }, fault);
}

/** Trains until the run is saved (Pause saves it), then trains on. */
async function trainAndSave(page: Page): Promise<number> {
  const train = page.getByRole('button', { name: 'Train', exact: true });
  const pause = page.getByRole('button', { name: 'Pause' });
  await expect.poll(() => train.isEnabled(), { timeout: 300_000 }).toBe(true);
  await train.click();
  await expect.poll(() => stepCount(page), { timeout: 300_000 }).toBeGreaterThan(5);
  await pause.click();
  await expect.poll(() => train.isEnabled(), { timeout: 300_000 }).toBe(true);
  await expect
    .poll(() => page.getByText(/autosaved at step [1-9]/).count(), { timeout: 300_000 })
    .toBe(1);
  const saved = await stepCount(page);
  await train.click();
  await expect.poll(() => pause.isEnabled(), { timeout: 300_000 }).toBe(true);
  return saved;
}

/** After a fault: the page says it restarted and resumed, and training goes on past the save. */
async function expectResumed(page: Page, saved: number, why: RegExp): Promise<void> {
  await expect.poll(() => alertText(page), { timeout: 300_000 }).toMatch(why);
  await expect.poll(() => alertText(page), { timeout: 300_000 }).toContain('resumed');
  expect(await alertText(page)).toContain('restarted');
  // The same tab's run, taken over from the dead worker, not continued as a copy.
  expect(await alertText(page)).not.toContain('as a copy');
  await expect
    .poll(() => page.getByRole('button', { name: 'Pause' }).isEnabled(), { timeout: 300_000 })
    .toBe(true);
  await expect.poll(() => stepCount(page), { timeout: 300_000 }).toBeGreaterThan(saved);
}

/** The app with its test hooks and an 8 s limit of silence, once Train can be pressed. */
async function open(browser: Browser) {
  const { page, log } = await openPage(browser, `${app.url}#E=16&H=32&L=1&T=16&B=4`, {
    viewport: { width: 1440, height: 1000 },
    beforeLoad: (page) =>
      page.addInitScript(() => {
        localStorage.setItem('gatescope:test-hooks', '1');
        localStorage.setItem('gatescope:test-hooks:silence-ms', '8000');
      }),
  });
  const train = page.getByRole('button', { name: 'Train', exact: true });
  const pause = page.getByRole('button', { name: 'Pause' });
  await expect.poll(() => train.isEnabled(), { timeout: 300_000 }).toBe(true);
  return { page, log, train, pause };
}

/** The page's errors other than the faults the tests inject. */
const unexpected = (log: PageLog) =>
  log.errors.filter((e) => !e.includes('fault injected by a test'));

describe.each(MODES)('engine recovery (%s)', (mode) => {
  it('restarts a worker that threw outside its handlers and resumes the saved run', async () => {
    await withBrowser(mode, async (browser) => {
      const { page } = await open(browser);
      const saved = await trainAndSave(page);
      await inject(page, 'throw');
      await expectResumed(page, saved, /an error escaped it/);
    });
  });
});

describe('engine recovery (silent faults)', () => {
  it('notices a worker that closed or hangs, and stops restarting one that keeps dying', async () => {
    await withBrowser('cpu', async (browser) => {
      const { page, log, train, pause } = await open(browser);
      // Closed (as an out-of-memory kill would) before anything was saved: a fresh model.
      await inject(page, 'exit');
      await expect
        .poll(() => alertText(page), { timeout: 300_000 })
        .toMatch(/has not answered.*no save yet, so a fresh model starts on Subject/);
      await expect.poll(() => train.isEnabled(), { timeout: 300_000 }).toBe(true);

      // Stuck in a loop while training: resumed from the save.
      const saved = await trainAndSave(page);
      await inject(page, 'hang');
      await expectResumed(page, saved, /has not answered|has not finished/);

      // The third restart within five minutes is the last one.
      await inject(page, 'throw');
      await expectResumed(page, saved, /an error escaped it/);
      await inject(page, 'throw');
      await expect
        .poll(() => alertText(page), { timeout: 300_000 })
        .toContain('it was not restarted');
      expect(await train.isEnabled()).toBe(false);
      expect(await pause.isEnabled()).toBe(false);
      expect(unexpected(log)).toEqual([]);
    });
  });
});

describe('engine recovery (a Train in flight)', () => {
  it('keeps a Train the worker never confirmed: the restarted engine trains', async () => {
    await withBrowser('cpu', async (browser) => {
      const { page, log, train, pause } = await open(browser);
      // Stuck before it read the Train: no status will ever say it trains.
      await inject(page, 'hang');
      await train.click();
      await expect
        .poll(() => alertText(page), { timeout: 300_000 })
        .toMatch(/has not answered.*no save yet, so a fresh model starts on Subject/);
      // The fresh model trains without another click: the person had pressed Train.
      await expect.poll(() => pause.isEnabled(), { timeout: 300_000 }).toBe(true);
      await expect.poll(() => stepCount(page), { timeout: 300_000 }).toBeGreaterThan(0);
      expect(unexpected(log)).toEqual([]);
    });
  });
});

describe('engine recovery (forecast)', () => {
  it('gives a restarted worker the series back, not the text, and trains on it', async () => {
    await withBrowser('cpu', async (browser) => {
      const { page, log, train } = await open(browser);
      await page.getByRole('radio', { name: /Forecast/ }).check();
      const inUse = page.getByRole('group', { name: 'Series in use' });
      await expect.poll(() => inUse.textContent(), { timeout: 60_000 }).toContain('Noisy sines');
      await expect.poll(() => train.isEnabled(), { timeout: 300_000 }).toBe(true);
      // Closed before anything was saved: a fresh forecast on the same series.
      await inject(page, 'exit');
      await expect
        .poll(() => alertText(page), { timeout: 300_000 })
        .toMatch(/no save yet, so a fresh model starts on Noisy sines/);
      await expect.poll(() => train.isEnabled(), { timeout: 300_000 }).toBe(true);
      expect(await inUse.textContent()).toContain('Noisy sines');
      await train.click();
      await expect.poll(() => stepCount(page), { timeout: 300_000 }).toBeGreaterThan(5);
      await expect
        .poll(() => page.getByRole('img', { name: /Forecast chart of/ }).count(), {
          timeout: 300_000,
        })
        .toBe(1);
      expect(unexpected(log)).toEqual([]);
    });
  });
});
