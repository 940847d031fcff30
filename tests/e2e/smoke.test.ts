// Browser smoke test: the built app opens from 127.0.0.1 and says which
// backend it found: with WebGPU (any adapter; SwiftShader in CI), the engine
// Auto measured faster, said on the page; without, the CPU (with the reason).

import { describe, expect, it } from 'vitest';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { isSoftwareAdapter } from '../../src/engine/gpu/adapterKind';
import { MODES } from './browser';

const app = serveBuiltApp();

describe.each(MODES)('first screen (%s)', (mode) => {
  it('loads and reports the backend it detected', async () => {
    await withBrowser(mode, async (browser) => {
      const { page, log } = await openPage(browser, app.url);
      await expect.poll(() => page.title()).toContain('gatescope');

      const detection = page.getByLabel('WebGPU detection');
      await expect
        .poll(() => detection.textContent(), { timeout: 30_000 })
        .not.toContain('looking');
      const detected = (await detection.textContent()) ?? '';
      const badge = page.getByRole('status', { name: 'Backend' });
      // The first model is built as soon as the built-in corpus is in.
      await expect.poll(() => badge.textContent(), { timeout: 60_000 }).toMatch(/^(WebGPU|CPU)/);
      const backend = (await badge.textContent()) ?? '';
      console.log(`[e2e smoke ${mode}] detection: "${detected}"; backend: "${backend}"`);

      if (mode === 'webgpu') {
        // An adapter must be found (any adapter); a missing one fails, never skips.
        expect(detected).toMatch(/^WebGPU adapter: \S/);
        // Auto timed both engines on this model and says which it picked (auto-engine.test.ts
        // checks the pick against the test's own timing).
        const choice = page.getByRole('note', { name: 'Engine choice' });
        const said = (await choice.textContent()) ?? '';
        expect(said).toMatch(/^Auto: (CPU|WebGPU), /);
        expect(backend.startsWith(said.includes('Auto: CPU') ? 'CPU' : 'WebGPU')).toBe(true);
        // A renderer that runs on the CPU (SwiftShader in CI) gets a dismissable
        // note; a real GPU none. The page's adapter is classified as the worker does.
        const adapterInfo = await page.evaluate(async () => {
          const info = (await navigator.gpu.requestAdapter())?.info;
          if (!info) return undefined;
          const { vendor, architecture, device, description } = info;
          const isFallbackAdapter = (info as { isFallbackAdapter?: boolean }).isFallbackAdapter;
          return { vendor, architecture, device, description, isFallbackAdapter };
        });
        expect(adapterInfo).toBeDefined();
        const note = page.getByRole('note', { name: 'Software adapter' });
        // The note is about WebGPU's figures: shown while WebGPU trains.
        if (isSoftwareAdapter(adapterInfo as GPUAdapterInfo) && backend.startsWith('WebGPU')) {
          await expect.poll(() => note.textContent()).toMatch(/software adapter/i);
          await note.getByRole('button', { name: 'Dismiss' }).click();
          await expect.poll(() => note.count()).toBe(0);
        } else {
          expect(await note.count()).toBe(0);
        }
      } else {
        expect(detected).toMatch(/^no WebGPU/);
        expect(backend).toMatch(/^CPU/);
        const note = page.getByRole('note', { name: 'CPU fallback' });
        await expect.poll(() => note.textContent()).toMatch(/adapter|navigator\.gpu/);
        expect(await page.getByRole('note', { name: 'Software adapter' }).count()).toBe(0);
      }

      // A visible loss number after a few steps of the built-in corpus.
      await page.getByRole('button', { name: 'Step' }).click();
      await page.getByRole('button', { name: 'Step' }).click();
      const loss = page.getByLabel('Train loss (nats)');
      await expect
        .poll(async () => Number(await loss.textContent()), { timeout: 60_000 })
        .toBeGreaterThan(0);
      expect(log.errors).toEqual([]);
    });
  });
});
