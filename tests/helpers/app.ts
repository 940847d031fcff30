// The setup every browser test repeats: the built app served to the file's
// tests, a chromium launched and closed whatever the test does, and a page
// opened on the app with its console errors watched from the first script on.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { launch, watchErrors, type Mode, type PageLog } from '../e2e/browser';
import { serveDist, type StaticServer } from '../e2e/server';

export interface ServedApp {
  /** The app's address; known once the file's tests run. */
  readonly url: string;
}

/** Serves dist/ (build it first: `npx vite build`) from before this file's tests to after them. */
export function serveBuiltApp(): ServedApp {
  let server: StaticServer | undefined;
  beforeAll(async () => {
    server = await serveDist();
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get url() {
      if (!server) throw new Error('the built app is served from beforeAll on');
      return server.url;
    },
  };
}

export interface DownloadingBrowser {
  /** A context that accepts downloads; known once the file's tests run. */
  readonly context: BrowserContext;
  /** A fresh folder the downloads are saved to, removed after the file's tests. */
  readonly dir: string;
}

/**
 * One chromium on the CPU engine for this file's tests, with a context that
 * accepts downloads and a temporary folder (named after `prefix`) for them.
 */
export function downloadingBrowser(prefix: string): DownloadingBrowser {
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    browser = await launch('cpu');
    context = await browser.newContext({
      acceptDownloads: true,
      viewport: { width: 1440, height: 1100 },
    });
    dir = mkdtempSync(join(tmpdir(), `gatescope-${prefix}-`));
  });
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const known = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('the browser is started from beforeAll on');
    return value;
  };
  return {
    get context() {
      return known(context);
    },
    get dir() {
      return known(dir);
    },
  };
}

/** Runs `body` with a chromium in `mode` (see launch), closing it however `body` ends. */
export async function withBrowser<T>(
  mode: Mode,
  body: (browser: Browser) => Promise<T>,
): Promise<T> {
  const browser = await launch(mode);
  try {
    return await body(browser);
  } finally {
    await browser.close();
  }
}

export interface OpenOptions {
  /** The window size; the browser's (or context's) default otherwise. */
  viewport?: { width: number; height: number };
  /** Runs before the page loads, so its init scripts run before the app's first script. */
  beforeLoad?: (page: Page) => Promise<unknown>;
}

/** A new page of a browser or context, watched for errors, opened at `url`. */
export async function openPage(
  owner: Browser | BrowserContext,
  url: string,
  options: OpenOptions = {},
): Promise<{ page: Page; log: PageLog }> {
  // A browser's page gets a context of its own made first (browser.newPage() makes one
  // hidden inside the page, which axe-core cannot use: tests/e2e/axe.ts).
  const context =
    'newContext' in owner
      ? await owner.newContext(options.viewport ? { viewport: options.viewport } : undefined)
      : owner;
  const page = await context.newPage();
  if (options.viewport && !('newContext' in owner)) await page.setViewportSize(options.viewport);
  const log = watchErrors(page);
  await options.beforeLoad?.(page);
  await page.goto(url);
  return { page, log };
}
