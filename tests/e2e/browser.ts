// Launching Debian's chromium for the browser tests (and `npm run bench:ui`),
// with or without WebGPU (SwiftShader), and collecting a page's console
// errors. Main-thread responsiveness is measured in bench/responsiveness.ts.

import { existsSync } from 'node:fs';
import { chromium, type Browser, type ConsoleMessage, type Page } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

const BASE_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

export type Mode = 'webgpu' | 'cpu';

/**
 * Chromium with WebGPU on SwiftShader ('webgpu') or without WebGPU at all
 * ('cpu': no --enable-unsafe-webgpu, so requestAdapter() gives null).
 * A browser that cannot start is a failure, never a skip: `npm test`
 * installs Debian's chromium first.
 */
export async function launch(mode: Mode): Promise<Browser> {
  const args = mode === 'webgpu' ? ['--enable-unsafe-webgpu', ...BASE_ARGS] : BASE_ARGS;
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing (apt-get install chromium)`);
  return chromium.launch({ executablePath: CHROMIUM, args });
}

export interface PageLog {
  errors: string[];
}

/** Records console errors and uncaught exceptions of a page. */
export function watchErrors(page: Page): PageLog {
  const log: PageLog = { errors: [] };
  page.on('console', (m: ConsoleMessage) => {
    if (m.type() === 'error') log.errors.push(`console: ${m.text()}`);
  });
  page.on('pageerror', (e) => log.errors.push(`pageerror: ${e.message}`));
  return log;
}
