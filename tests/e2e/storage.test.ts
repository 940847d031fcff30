// Saved runs in the built app, with two pages of one browser context (two
// tabs sharing IndexedDB and Web Locks): a second tab that resumes the run
// the first is training continues it as a copy, and neither tab's saves
// replace the other's; a damaged record in storage is listed as damaged,
// never offered, deletable, and the page keeps working.

import type { BrowserContext, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { serveBuiltApp, withBrowser } from '../helpers/app';
import { watchErrors } from './browser';
import { stepCount, untilTrainable } from './steps';

const HASH = '#E=16&H=32&L=1&T=32&B=4&seed=7&backend=cpu';

const app = serveBuiltApp();

async function open(context: BrowserContext): Promise<Page> {
  const page = await context.newPage();
  await page.goto(app.url + HASH);
  await untilTrainable(page, 90_000);
  return page;
}

/** Trains until at least `more` steps were added, pauses, and waits for the autosave of the pause. */
async function trainAndSave(page: Page, more: number): Promise<number> {
  const from = await stepCount(page);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect
    .poll(() => stepCount(page), { timeout: 120_000 })
    .toBeGreaterThanOrEqual(from + more);
  await page.getByRole('button', { name: 'Pause' }).click();
  // Once paused, the shown step settles and the pause's save is of that step.
  const saved = async () => {
    const at = await stepCount(page);
    const status = await page.getByLabel('Autosave status').textContent();
    return status === `autosaved at step ${at.toLocaleString('en-US')}` ? at : -1;
  };
  await expect.poll(saved, { timeout: 60_000 }).toBeGreaterThan(from);
  const at = await saved();
  return at;
}

/** The saved runs as IndexedDB holds them: name → step. */
function storedRuns(page: Page): Promise<Record<string, unknown>> {
  return page.evaluate(
    () =>
      new Promise<Record<string, unknown>>((resolve, reject) => {
        const req = indexedDB.open('gatescope');
        req.onerror = () => reject(req.error);
        req.onsuccess = () => {
          const db = req.result;
          const all = db.transaction('runs').objectStore('runs').getAll();
          all.onsuccess = () => {
            db.close();
            const runs = all.result as { name: string; step: unknown }[];
            resolve(Object.fromEntries(runs.map((r) => [r.name, r.step])));
          };
        };
      }),
  );
}

describe('saved runs in two tabs', () => {
  it('a second tab resuming the run in training continues it as a copy; both are kept', async () => {
    await withBrowser('cpu', async (browser) => {
      const context = await browser.newContext();
      const a = await open(context);
      const logA = watchErrors(a);
      const savedA = await trainAndSave(a, 3);
      // The browser was asked to keep the runs, and the panel says what it decided.
      await expect
        .poll(() => a.getByLabel('Storage persistence').textContent(), { timeout: 30_000 })
        .toMatch(/\(persistent storage (granted|not granted)\)/);
      const runs = a.getByRole('list', { name: 'Saved runs' });
      const runName = (await runs.locator('li .name').first().textContent())!.replace(
        /training$/,
        '',
      );

      // Tab B opens, is offered the run, and resumes it while tab A still holds it.
      const b = await open(context);
      const logB = watchErrors(b);
      const offer = b.getByRole('region', { name: 'Resume a saved run' });
      await expect.poll(() => offer.textContent(), { timeout: 30_000 }).toContain(runName);
      await offer.getByRole('button', { name: 'Resume it' }).click();
      await expect
        .poll(() => b.locator('body').textContent(), { timeout: 60_000 })
        .toContain('as a copy');
      await expect.poll(() => stepCount(b), { timeout: 30_000 }).toBe(savedA);

      // B saves fewer steps than A goes on to; A saves more; neither replaces the other.
      const savedB = await trainAndSave(b, 1);
      const laterA = await trainAndSave(a, Math.max(3, savedB - savedA + 3));
      expect(laterA).toBeGreaterThan(savedB);
      await expect
        .poll(() => storedRuns(a), { timeout: 30_000 })
        .toEqual({ [runName]: laterA, [`${runName} (copy)`]: savedB });

      expect(logA.errors).toEqual([]);
      expect(logB.errors).toEqual([]);
    });
  });

  it('a damaged record is listed as damaged, never offered, and deletable', async () => {
    await withBrowser('cpu', async (browser) => {
      const context = await browser.newContext();
      const page = await open(context);
      // An incomplete record (no step, no model), as a failed write or another version could leave.
      await page.evaluate(
        () =>
          new Promise<void>((resolve, reject) => {
            const req = indexedDB.open('gatescope');
            req.onerror = () => reject(req.error);
            req.onsuccess = () => {
              const db = req.result;
              const tx = db.transaction('runs', 'readwrite');
              tx.objectStore('runs').put({ id: 'broken', name: 'broken run', updatedAt: 1 });
              tx.oncomplete = () => {
                db.close();
                resolve();
              };
            };
          }),
      );
      await page.reload();
      const log = watchErrors(page);
      const runs = page.getByRole('list', { name: 'Saved runs' });
      await expect.poll(() => runs.textContent(), { timeout: 60_000 }).toContain('broken run');
      expect(await runs.textContent()).toMatch(/damaged.*cannot be resumed: the saved record/);
      expect(await page.getByRole('button', { name: 'Resume broken run' }).count()).toBe(0);
      expect(await page.getByRole('region', { name: 'Resume a saved run' }).count()).toBe(0);

      // The page works: it trains, and the damaged record goes with Delete.
      await expect
        .poll(() => page.getByRole('button', { name: 'Train', exact: true }).isEnabled(), {
          timeout: 90_000,
        })
        .toBe(true);
      await page.getByRole('button', { name: 'Delete broken run' }).click();
      await expect.poll(() => storedRuns(page), { timeout: 30_000 }).toEqual({});
      expect(log.errors).toEqual([]);
    });
  });
});
