// The GRU and the plain RNN on the WebGPU engine in the browser (chromium on
// SwiftShader): the page builds the cell on WebGPU, trains it until its
// validation loss falls below the uniform guess, draws exactly the cell's
// gate maps from the GPU's probe, and the gradients panel draws the GPU's
// gradient flow. The CPU side of the same pages is covered by
// gates-cells.test.ts and diagnostics.test.ts; kernels and numbers against the
// CPU reference by tests/gpu/.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CELLS } from '../../src/engine/cells';
import { GATE_INFO } from '../../src/ui/gateInfo';
import { openPage, serveBuiltApp, withBrowser } from '../helpers/app';
import { drawnShare, linesIn } from './drawn';
import { pausedSteps, shownNumber, stepCount, untilTrainable } from './steps';

const RESULTS = resolve(import.meta.dirname, '../../test-results');
const VIEWPORT = { width: 1440, height: 1100 };
const CEILING = { timeout: 240_000, interval: 500 };
/** T = 16: the gradient-flow line has 16 points. */
const T = 16;

const app = serveBuiltApp();

beforeAll(() => {
  mkdirSync(RESULTS, { recursive: true });
});

describe.each(['gru', 'rnn'] as const)('%s on the WebGPU engine', (cell) => {
  it('trains, draws its gate maps and its gradient flow', async () => {
    await withBrowser('webgpu', async (browser) => {
      const hash = `#cell=${cell}&E=16&H=32&L=1&T=${T}&B=8&lr=0.01&seed=5&backend=webgpu`;
      const { page, log } = await openPage(browser, app.url + hash, { viewport: VIEWPORT });
      await untilTrainable(page, 120_000);
      const backend = await page.getByRole('status', { name: 'Backend' }).textContent();
      expect(backend).toMatch(/^WebGPU/);
      // The step-0 validation of the untrained model: about the uniform guess ln V.
      const validation = () => shownNumber(page, 'Validation loss (nats)');
      await expect.poll(validation, CEILING).toBeGreaterThan(0);
      const untrained = await validation();

      await page.getByRole('button', { name: 'Train', exact: true }).click();
      await expect.poll(() => stepCount(page), CEILING).toBeGreaterThanOrEqual(30);
      await expect.poll(validation, CEILING).toBeLessThan(untrained - 0.3);
      await expect.poll(() => linesIn(page, /^Gradient flow/, T), CEILING).toBe(1);
      await page.getByRole('button', { name: 'Pause' }).click();
      await pausedSteps(page, CEILING.timeout);

      for (const signal of CELLS[cell].signals) {
        const name = `${GATE_INFO[signal].title} heatmap: `;
        await expect.poll(() => drawnShare(page, name), CEILING).toBeGreaterThan(0.5);
      }
      // Only the cell's own maps: the LSTM's forget gate is not among them.
      expect(await page.getByRole('img', { name: /^forget gate heatmap/ }).count()).toBe(0);

      await page.getByRole('region', { name: 'Gradients' }).scrollIntoViewIfNeeded();
      await page.screenshot({ path: `${RESULTS}/cells-webgpu-${cell}.png` });
      expect(await page.getByRole('alert').count()).toBe(0);
      expect(log.errors).toEqual([]);
    });
  });
});
