import { expect, it } from 'vitest';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { untilTrainable } from './steps';

const app = serveBuiltApp();
const SHAPES = { default: '', big: 'E=256&H=256&L=2&T=64&B=32&' };
const keys = (page: import('playwright-core').Page) =>
  page.evaluate(
    () =>
      new Promise<string>((resolve) => {
        const req = indexedDB.open('gatescope-tuning', 1);
        req.onsuccess = () => {
          const get = req.result.transaction('entries').objectStore('entries').get('decisions');
          get.onsuccess = () => resolve(JSON.stringify(Object.keys(get.result ?? {})));
          get.onerror = () => resolve('error');
        };
        req.onerror = () => resolve('open error ' + String(req.error));
      }),
  );

it('figures', async () => {
  await withBrowser('webgpu', async (browser) => {
    for (const [name, shape] of Object.entries(SHAPES)) {
      const context = await browser.newContext();
      for (const visit of ['cold', 'cached']) {
        const t0 = Date.now();
        const { page } = await openPage(context, `${app.url}#${shape}seed=3&backend=auto`);
        const said = page.getByRole('note', { name: 'Engine choice' }).locator('span').first();
        await expect.poll(() => said.textContent(), { timeout: 300_000 }).toMatch(/^Auto:/);
        await untilTrainable(page, 300_000);
        const text = await said.textContent();
        const badge = await page.getByRole('status', { name: 'Backend' }).textContent();
        console.log(`[figures] ${name} ${visit}: ${Date.now() - t0} ms load to trainable; ${text} | ${badge} | ${await keys(page)}`);
        await page.close();
      }
      await context.close();
    }
  });
}, 900_000);
