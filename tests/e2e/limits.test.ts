// A shared link that asks for a model no engine here can hold
// (#E=64&H=2048&L=8&T=1024&B=1) is refused by the worker before it allocates
// anything: the page says why, naming the limit and the largest H that fits,
// trains the default model instead and never stays 'building'. With WebGPU
// and on the CPU fallback.

import { describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { MODES } from './browser';

const app = serveBuiltApp();

describe.each(MODES)('a link asking for too large a model (%s)', (mode) => {
  it('is refused with the limit named, and the default model trains', async () => {
    await withBrowser(mode, async (browser) => {
      const { page, log } = await openPage(browser, `${app.url}#E=64&H=2048&L=8&T=1024&B=1`);
      const alert = page.getByRole('alert');
      await expect
        .poll(() => alert.textContent(), { timeout: 60_000 })
        .toMatch(/too large to train here.*memory budget.*largest that fits is H=\d+/);
      const badge = page.getByRole('status', { name: 'Backend' });
      await expect.poll(() => badge.textContent(), { timeout: 60_000 }).toMatch(/^(WebGPU|CPU)/);

      await page.getByRole('button', { name: 'Step' }).click();
      const loss = page.getByLabel('Train loss (nats)');
      await expect
        .poll(async () => Number(await loss.textContent()), { timeout: 60_000 })
        .toBeGreaterThan(0);
      expect(log.errors).toEqual([]);
    });
  });
});
