// Launching Debian's chromium for the browser tests (and `npm run bench:ui`),
// with or without WebGPU (SwiftShader), and collecting a page's console
// errors. Main-thread responsiveness is measured in bench/responsiveness.ts.

import type { Browser, ConsoleMessage, Page } from 'playwright-core';
import { launchChromium } from '../../scripts/chromium';

/** Every browser test runs in both: with WebGPU and without. */
export const MODES = ['webgpu', 'cpu'] as const;
export type Mode = (typeof MODES)[number];

/**
 * Chromium with WebGPU on SwiftShader ('webgpu') or without WebGPU at all
 * ('cpu': no --enable-unsafe-webgpu, so requestAdapter() gives null).
 */
export async function launch(mode: Mode): Promise<Browser> {
  return launchChromium(mode === 'webgpu' ? ['--enable-unsafe-webgpu'] : []);
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
