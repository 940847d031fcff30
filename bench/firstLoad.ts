// The JavaScript and CSS a page loads before it is ready, read off the
// browser's network events (Playwright reports a dedicated worker's requests
// on its page too), not off a list of file names: what the page and its worker
// import eagerly is exactly what they fetch. Each distinct URL counts once (a
// module both the page and the worker import is fetched by each, and a host's
// cache would serve the second), raw and gzipped at zlib's default level, as
// vite's build report does. Used by `npm run bench:ui`; a figure for the
// report, never a pass/fail bound.

import { gzipSync } from 'node:zlib';
import type { Page, Response } from 'playwright-core';

export interface LoadedFile {
  /** The path of the file on the server. */
  path: string;
  bytes: number;
  gzipBytes: number;
}

export interface FirstLoad {
  files: LoadedFile[];
  bytes: number;
  gzipBytes: number;
}

const CODE_TYPE = /javascript|ecmascript|text\/css/;

/**
 * Starts recording the scripts and stylesheets `page` (and its workers)
 * receives; `done()` stops and sums them. Call before `page.goto`, and
 * `done()` once the page is ready.
 */
export function recordFirstLoad(page: Page): { done(): Promise<FirstLoad> } {
  const responses = new Map<string, Response>();
  const onResponse = (response: Response) => {
    const type = response.headers()['content-type'] ?? '';
    if (response.ok() && CODE_TYPE.test(type) && !responses.has(response.url())) {
      responses.set(response.url(), response);
    }
  };
  page.on('response', onResponse);
  return {
    async done() {
      page.off('response', onResponse);
      const files = await Promise.all(
        [...responses.values()].map(async (response) => {
          const body = await response.body();
          return {
            path: new URL(response.url()).pathname,
            bytes: body.length,
            gzipBytes: gzipSync(body).length,
          };
        }),
      );
      files.sort((a, b) => b.bytes - a.bytes);
      return {
        files,
        bytes: files.reduce((sum, f) => sum + f.bytes, 0),
        gzipBytes: files.reduce((sum, f) => sum + f.gzipBytes, 0),
      };
    },
  };
}

/** Bytes as vite's build report prints them: kB of 1000 bytes. */
export function kB(bytes: number): string {
  return `${(bytes / 1000).toFixed(1)} kB`;
}
