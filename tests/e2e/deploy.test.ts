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
//
// Then a later deploy: the folder is replaced by a new version while a page is
// open; the page must not reload by itself but offer the new version, and
// take it when the person presses Reload.

import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withBrowser } from '../helpers/app';
import { audit, failing } from './axe';
import { watchErrors } from './browser';
import { DIST, serveDist, type StaticServer } from './server';
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

/** The CPU engine's threads as the Backend badge's title says ("CPU, 4 threads"); 1 without. */
async function engineThreads(page: Page): Promise<number> {
  const title = (await page.getByRole('status', { name: 'Backend' }).getAttribute('title')) ?? '';
  // "CPU, 4 threads, wasm SIMD", or "CPU, wasm SIMD" on one thread (src/engine/cpu/backend.ts).
  if (!title.startsWith('CPU')) return 0;
  const threads = /, (\d+) threads/.exec(title);
  return threads ? Number(threads[1]) : 1;
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
      await expect.poll(() => engineThreads(page), { timeout: 90_000 }).toBe(CORES);
      const online = await trainAFewSteps(page);
      expect(online.loss).toBeGreaterThan(0);
      expect(await engineThreads(page)).toBe(CORES);

      // Everything the page asked for was inside the folder and found.
      const requests = server.log.slice(start);
      expect(requests.filter((line) => !line.startsWith('200 '))).toEqual([]);
      expect(requests.every((line) => line.slice(4).startsWith(PREFIX))).toBe(true);
      const seen = server.log.length;

      // Offline: the reload comes from the precache, isolated again, and trains.
      await context.setOffline(true);
      await page.reload();
      await expect.poll(() => isolatedAndControlled(page), { timeout: 120_000 }).toBe(true);
      await expect.poll(() => engineThreads(page), { timeout: 90_000 }).toBe(CORES);
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
          `${CORES} CPU threads`,
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

/**
 * Turns the deployed copy in `root` into a "next deploy": index.html changes
 * (it carries `version`), and so does its revision in serviceWorker.js's
 * precache list, as a new build's would: the browser sees a new worker.
 */
function deployNewVersion(root: string, version: string): void {
  const indexPath = join(root, 'index.html');
  const oldIndex = readFileSync(indexPath, 'utf8');
  const newIndex = oldIndex.replace(
    '<title>',
    `<meta name="gatescope-version" content="${version}" />\n    <title>`,
  );
  expect(newIndex).not.toBe(oldIndex);
  const md5 = (text: string) => createHash('md5').update(text).digest('hex');
  const workerPath = join(root, 'serviceWorker.js');
  const worker = readFileSync(workerPath, 'utf8');
  const entry = (text: string) => `{"revision":"${md5(text)}","url":"index.html"}`;
  // The build's revision is the file's MD5: the entry must be found as such, once.
  expect(worker.split(entry(oldIndex))).toHaveLength(2);
  writeFileSync(indexPath, newIndex);
  writeFileSync(workerPath, worker.replace(entry(oldIndex), entry(newIndex)));
}

describe('a new deploy while the page is open (cpu)', () => {
  let root: string;
  let host: StaticServer;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'gatescope-deploy-'));
    cpSync(DIST, root, { recursive: true });
    host = await serveDist({
      root,
      prefix: PREFIX,
      isolationHeaders: false,
      fallbackToIndex: false,
    });
  });

  afterAll(async () => {
    await host?.close();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('offers the new version without reloading, and takes it on Reload', async () => {
    await withBrowser('cpu', async (browser) => {
      // A context of its own: axe-core (below) asks for one.
      const context = await browser.newContext();
      const page = await context.newPage();
      const log = watchErrors(page);
      await page.goto(host.url + HASH);
      await expect.poll(() => isolatedAndControlled(page), { timeout: 120_000 }).toBe(true);
      await untilTrainable(page, 90_000);
      const version = () =>
        page.evaluate(
          () =>
            document.querySelector('meta[name="gatescope-version"]')?.getAttribute('content') ??
            null,
        );
      expect(await version()).toBeNull();

      deployNewVersion(root, '2');
      // The next visit: the old version opens (from its precache) and the browser
      // finds, installs and parks the new worker.
      await page.reload();
      const notice = page.getByRole('status', { name: 'Update' });
      await expect.poll(() => notice.textContent(), { timeout: 120_000 }).toMatch(/new version/);
      expect(await version()).toBeNull();
      await untilTrainable(page, 90_000);

      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: resolve(RESULTS, 'deploy-update.png') });
      // The notice reads well in both themes (axe-core, as tests/e2e/a11y.test.ts for the page).
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        expect(
          failing(await audit(page, `update notice ${colorScheme}`, '.update-notice')),
        ).toEqual([]);
      }

      await notice.getByRole('button', { name: 'Reload' }).click();
      await expect.poll(() => version().catch(() => null), { timeout: 120_000 }).toBe('2');
      await expect.poll(() => isolatedAndControlled(page), { timeout: 120_000 }).toBe(true);
      expect(await notice.count()).toBe(0);
      await untilTrainable(page, 90_000);
      expect(log.errors).toEqual([]);
      await context.close();
    });
  });
});
