// The built page under its Content-Security-Policy (vite.config.ts puts it in
// index.html for the build): the app loads, finds its backend, trains and
// draws with no violation, on WebGPU and on the CPU engine; and the policy
// is really in force (an injected inline script is refused and reported).

import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { serveBuiltApp, withBrowser } from '../helpers/app';
import { MODES } from './browser';
import { stepCount } from './steps';

// A small model so a few steps come quickly on shared cores.
const HASH = '#E=16&H=32&L=1&T=32&B=4&seed=7&backend=webgpu';

const app = serveBuiltApp();

/** Records every CSP violation the document reports, from before the app's first script. */
async function watchViolations(page: Page): Promise<{ console: string[] }> {
  await page.addInitScript(() => {
    const w = window as unknown as { __violations: string[] };
    w.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      w.__violations.push(
        `${e.effectiveDirective} blocked ${e.blockedURI || '(inline)'} at ${e.sourceFile}:${e.lineNumber}`,
      );
    });
  });
  const log = { console: [] as string[] };
  page.on('console', (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) log.console.push(m.text());
  });
  return log;
}

const violations = (page: Page) =>
  page.evaluate(() => (window as unknown as { __violations: string[] }).__violations.slice());

describe.each(MODES)('Content-Security-Policy (%s)', (mode) => {
  it('the app trains with no violation, and the policy refuses an inline script', async () => {
    await withBrowser(mode, async (browser) => {
      const page = await browser.newPage();
      const log = await watchViolations(page);
      await page.goto(app.url + HASH);

      const policy = await page
        .locator('meta[http-equiv="Content-Security-Policy"]')
        .getAttribute('content');
      // WebAssembly compilation only (the CPU engine's GEMM kernel), never JavaScript eval.
      // (A <meta> policy does not govern the engine's worker, where the kernel compiles; a
      // host that sends this policy as a header does: tests/e2e/cpu-threads.test.ts checks
      // the kernel runs in chromium.)
      expect(policy).toContain("script-src 'self' 'wasm-unsafe-eval';");
      expect(policy).not.toMatch(/unsafe-inline|'unsafe-eval'|\*/);

      const badge = page.getByRole('status', { name: 'Backend' });
      await expect
        .poll(() => badge.textContent(), { timeout: 90_000 })
        .toMatch(mode === 'webgpu' ? /^WebGPU/ : /^CPU/);
      const train = page.getByRole('button', { name: 'Train', exact: true });
      await expect.poll(() => train.isEnabled(), { timeout: 90_000 }).toBe(true);
      await train.click();
      await expect.poll(() => stepCount(page), { timeout: 120_000 }).toBeGreaterThan(0);
      await page.getByRole('button', { name: 'Pause' }).click();

      expect(await violations(page)).toEqual([]);
      expect(log.console).toEqual([]);

      // The control: the same page refuses what the policy forbids, and says so.
      await page.evaluate(() => {
        const script = document.createElement('script');
        script.textContent = 'window.__inlineRan = true;';
        document.head.append(script);
      });
      await expect
        .poll(() => violations(page), { timeout: 30_000 })
        .toEqual([expect.stringMatching(/^script-src-elem blocked inline/)]);
      expect(await page.evaluate(() => '__inlineRan' in window)).toBe(false);
    });
  });
});
