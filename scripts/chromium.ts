// Launching Debian's chromium, the one browser the e2e tests (tests/e2e/browser.ts)
// and the benchmarks (bench/run.ts) drive: one path, one set of quiet flags.
// CHROMIUM_PATH (or, as the benchmark always read it, CHROMIUM) points elsewhere.

import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? process.env.CHROMIUM ?? '/usr/bin/chromium';

/** No sandbox (containers), and nothing running in the background to disturb timings. */
const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/**
 * Chromium with the quiet flags plus `args` (say --enable-unsafe-webgpu). A
 * browser that cannot start is a failure, never a skip: `npm test` installs
 * Debian's chromium first.
 */
export async function launchChromium(args: string[], headless = true): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, headless, args: [...args, ...BASE_ARGS] });
}
