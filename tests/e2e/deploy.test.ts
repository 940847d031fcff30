// The build deployed as files: dist/ under a subpath of a plain static host
// that sends no special headers, as GitHub Pages or a bucket would. The page
// must load every file relative to itself (a path outside the folder is a
// 404 here), its service worker must take over and make the page
// cross-origin isolated, so the CPU engine trains on GEMM threads over
// shared memory, and with the network off a reload must still open the app
// from the precache, isolated again, and train.
//
// This machine has 2 cores, where the engine rightly starts no extra thread
// (it keeps one core for the page and one for itself): the engine worker is
// told it has 4 (DevTools' hardware concurrency emulation), so it asks for 2
// GEMM threads, and those start only in an isolated page.

import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBrowser } from '../helpers/app';
import { watchErrors } from './browser';
import { serveDist, type StaticServer } from './server';
import { pausedSteps, stepCount, untilTrainable } from './steps';

const PREFIX = '/some/where/gatescope/';
// A small model on the CPU engine, where the threads matter.
const HASH = '#E=16&H=64&L=1&T=32&B=8&seed=7&backend=cpu';
const CORES = 4;
const RESULTS = resolve(import.meta.dirname, '../../test-results');

let server: StaticServer;

beforeAll(async () => {
  server = await serveDist({ prefix: PREFIX, isolationHeaders: false, fallbackToIndex: false });
});

afterAll(async () => {
  await server?.close();
});

/**
 * Makes every dedicated worker the page starts (the engine's) report `cores`
 * as navigator.hardwareConcurrency: the page's own override does not reach
 * workers, so each one is held at its start, given the override and let go.
 */
async function emulateWorkerCores(page: Page, cores: number): Promise<void> {
  const cdp = await page.context().newCDPSession(page);
  cdp.on('Target.attachedToTarget', ({ sessionId }) => {
    const send = (id: number, method: string, params: object) =>
      cdp.send('Target.sendMessageToTarget', {
        sessionId,
        message: JSON.stringify({ id, method, params }),
      });
    void send(1, 'Emulation.setHardwareConcurrencyOverride', { hardwareConcurrency: cores })
      .then(() => send(2, 'Runtime.runIfWaitingForDebugger', {}))
      .catch(() => undefined); // a worker that ended before we reached it needs nothing
  });
  await cdp.send('Target.setAutoAttach', {
    autoAttach: true,
    waitForDebuggerOnStart: true,
    flatten: false,
  });
}

/** Whether the page is isolated and controlled; false while it is between documents. */
function isolatedAndControlled(page: Page): Promise<boolean> {
  return page
    .evaluate(() => crossOriginIsolated && navigator.serviceWorker.controller !== null)
    .catch(() => false);
}

/** The CPU engine's threads as the Backend badge's title says ("CPU, 3 threads"); 1 without. */
async function engineThreads(page: Page): Promise<number> {
  const title = (await page.getByRole('status', { name: 'Backend' }).getAttribute('title')) ?? '';
  const threads = /^CPU, (\d+) threads$/.exec(title);
  return threads ? Number(threads[1]) : title === 'CPU' ? 1 : 0;
}

/** Trains until a step has landed, pauses, and returns the steps and the loss shown. */
async function trainAFewSteps(page: Page): Promise<{ steps: number; loss: number }> {
  await untilTrainable(page, 90_000);
  const before = await stepCount(page);
  await page.getByRole('button', { name: 'Train', exact: true }).click();
  await expect.poll(() => stepCount(page), { timeout: 120_000 }).toBeGreaterThan(before + 2);
  await page.getByRole('button', { name: 'Pause' }).click();
  const steps = await pausedSteps(page);
  const loss = Number(await page.getByLabel('Train loss (nats)').textContent());
  return { steps, loss };
}

describe('static deploy under a subpath, no headers (cpu)', () => {
  it('isolates itself through the service worker, trains on threads, and works offline', async () => {
    // The host is plain: the app's folder only, nothing falls back to index.html.
    const origin = new URL(server.url).origin;
    expect((await fetch(`${origin}/index.html`)).status).toBe(404);
    expect((await fetch(`${server.url}no-such-file.js`)).status).toBe(404);
    const first = await fetch(server.url);
    expect(first.status).toBe(200);
    expect(first.headers.get('cross-origin-opener-policy')).toBeNull();
    expect(first.headers.get('cross-origin-embedder-policy')).toBeNull();
    const start = server.log.length;

    await withBrowser('cpu', async (browser) => {
      const context = await browser.newContext();
      const page = await context.newPage();
      const log = watchErrors(page);
      const reloads: string[] = [];
      page.on('console', (message) => {
        if (/reloading once/.test(message.text())) reloads.push(message.text());
      });
      await emulateWorkerCores(page, CORES);
      await page.goto(server.url + HASH);

      // First visit: the host's page is not isolated; the worker installs, takes
      // control, the page reloads once and is isolated from then on.
      await expect.poll(() => isolatedAndControlled(page), { timeout: 120_000 }).toBe(true);
      // The one reload happened, and it was needed: the host's page was not isolated.
      expect(reloads).toEqual([expect.stringMatching(/^gatescope: reloading once/)]);
      await expect.poll(() => engineThreads(page), { timeout: 90_000 }).toBe(CORES - 1);
      const online = await trainAFewSteps(page);
      expect(online.loss).toBeGreaterThan(0);
      expect(await engineThreads(page)).toBe(CORES - 1);

      // Everything the page asked for was inside the folder and found.
      const requests = server.log.slice(start);
      expect(requests.filter((line) => !line.startsWith('200 '))).toEqual([]);
      expect(requests.every((line) => line.slice(4).startsWith(PREFIX))).toBe(true);
      const seen = server.log.length;

      // Offline: the reload comes from the precache, isolated again, and trains.
      await context.setOffline(true);
      await page.reload();
      await expect.poll(() => isolatedAndControlled(page), { timeout: 120_000 }).toBe(true);
      await expect.poll(() => engineThreads(page), { timeout: 90_000 }).toBe(CORES - 1);
      const offline = await trainAFewSteps(page);
      expect(offline.loss).toBeGreaterThan(0);
      expect(server.log.slice(seen)).toEqual([]);
      // An isolated page under the worker does not reload by itself.
      expect(reloads).toHaveLength(1);

      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: resolve(RESULTS, 'deploy-offline.png'), fullPage: true });
      console.log(
        `[e2e deploy] ${server.url}: ${requests.length} requests to the host; online ${online.steps} steps ` +
          `(loss ${online.loss}), offline ${offline.steps} steps (loss ${offline.loss}) on ` +
          `${CORES - 1} CPU threads`,
      );
      expect(log.errors).toEqual([]);

      // The control: the network is really gone, also for the service worker's own fetches.
      const unreachable = await page.evaluate(() =>
        fetch('not-precached.txt').then(
          (response) => `answered ${response.status}`,
          () => 'failed',
        ),
      );
      expect(unreachable).toBe('failed');
      expect(log.errors).toEqual([expect.stringMatching(/Failed to load resource/)]);
      await context.close();
    });
  });
});
