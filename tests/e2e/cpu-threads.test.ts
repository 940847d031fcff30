// The CPU engine's GEMM worker pool in a real browser: createCpuBackend with
// extra threads, inside a module Web Worker (where the app's engine runs), so
// the GEMM workers are nested module workers over SharedArrayBuffer in a
// cross-origin-isolated page. Its training losses, weights and carried state
// must equal the single-threaded engine's bit for bit, as under Node
// (tests/unit/engine/parallel.test.ts).
//
// Two ways the app is served, since Vite rewrites the nested worker URL in
// each: a `vite build` with the project's config (what the other browser tests
// and `vite preview` serve), and the Vite dev server (what `npm run bench`
// uses). The harness tests/helpers/gemmWorkerE2e.ts is built here as its own
// entry rather than into dist/, which the app's tests own.

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Browser } from 'playwright-core';
import { build, createServer, type ViteDevServer } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CpuThreadsReport, CpuThreadsRequest } from '../helpers/gemmWorkerE2e';
import { launch, watchErrors } from './browser';
import { serveDist, type StaticServer } from './server';

const ROOT = resolve(import.meta.dirname, '../..');
const HARNESS = resolve(ROOT, 'tests/helpers/gemmWorkerE2e.ts');
// No favicon request: a 404 would show up as a console error.
const PAGE =
  '<!doctype html><meta charset="utf-8"><link rel="icon" href="data:,"><title>gatescope cpu threads</title>';
const ISOLATION = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};
const STEPS = 4;

let browser: Browser;

beforeAll(async () => {
  browser = await launch('cpu');
});

afterAll(async () => {
  await browser?.close();
});

/** Opens `pageUrl`, starts the harness worker from `workerUrl` and returns its report. */
async function runHarness(
  pageUrl: string,
  workerUrl: string,
  request: CpuThreadsRequest,
): Promise<CpuThreadsReport> {
  const page = await browser.newPage();
  const log = watchErrors(page);
  try {
    await page.goto(pageUrl);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    const report = await page.evaluate(
      ([url, req]) =>
        new Promise<CpuThreadsReport>((done, fail) => {
          const worker = new Worker(url, { type: 'module', name: 'cpu-threads-harness' });
          worker.onmessage = (event: MessageEvent<CpuThreadsReport>) => {
            worker.terminate();
            done(event.data);
          };
          worker.onerror = (event) => fail(new Error(`harness worker: ${event.message}`));
          worker.postMessage(req);
        }),
      [workerUrl, request] as const,
    );
    console.log(
      `[e2e cpu-threads] ${report.device} (${report.kernels.join(', ')}); started in ${report.startMs.toFixed(0)} ms; ` +
        `${report.parallelProducts} split products; hardwareConcurrency ${report.hardwareConcurrency}`,
    );
    expect(log.errors).toEqual([]);
    return report;
  } finally {
    await page.close();
  }
}

function expectIdentical(report: CpuThreadsReport, threads: number): void {
  expect(report.error).toBeUndefined();
  expect(report.crossOriginIsolated).toBe(true);
  // The pool really ran: no silent fallback to one thread, products actually split.
  expect(report.threads).toBe(threads + 1);
  expect(report.parallelProducts).toBeGreaterThan(0);
  // Both on the wasm kernel (the same variant), the pooled one in every thread.
  expect(report.kernels[0]).toMatch(/^wasm/);
  expect(report.kernels[1]).toBe(report.kernels[0]);
  expect(report.serialLosses).toHaveLength(STEPS);
  expect(report.serialLosses.every(Number.isFinite)).toBe(true);
  expect(report.pooledLosses).toEqual(report.serialLosses);
  expect(report.paramMismatches).toBe(0);
  expect(report.stateMismatches).toBe(0);
}

describe('CPU engine with GEMM worker threads in chromium (vite build)', () => {
  let outDir: string;
  let server: StaticServer;

  beforeAll(async () => {
    outDir = mkdtempSync(join(tmpdir(), 'gatescope-cpu-threads-'));
    await build({
      root: ROOT,
      configFile: resolve(ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      build: {
        outDir,
        emptyOutDir: true,
        copyPublicDir: false,
        sourcemap: false,
        rolldownOptions: {
          input: { 'cpu-threads': HARNESS },
          output: { entryFileNames: '[name].js' },
        },
      },
    });
    writeFileSync(join(outDir, 'index.html'), PAGE);
    server = await serveDist(outDir);
  });

  afterAll(async () => {
    await server?.close();
    if (outDir) rmSync(outDir, { recursive: true, force: true });
  });

  it.each([1, 2])(
    'trains bit-identically to the serial engine with %i extra thread(s)',
    async (threads) => {
      const report = await runHarness(server.url, new URL('cpu-threads.js', server.url).href, {
        threads,
        steps: STEPS,
      });
      expectIdentical(report, threads);
    },
  );
});

describe('CPU engine with GEMM worker threads in chromium (vite dev server)', () => {
  let dev: ViteDevServer;
  let base: string;

  beforeAll(async () => {
    dev = await createServer({
      root: ROOT,
      configFile: resolve(ROOT, 'vite.config.ts'),
      logLevel: 'warn',
      server: { port: 0, host: '127.0.0.1', hmr: false, watch: null },
      // Only the harness is loaded: do not crawl the app for dependencies.
      optimizeDeps: { noDiscovery: true, include: [] },
      plugins: [
        {
          name: 'cpu-threads-page',
          configureServer(server) {
            server.middlewares.use('/cpu-threads.html', (_req, res) => {
              res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', ...ISOLATION });
              res.end(PAGE);
            });
          },
        },
      ],
    });
    await dev.listen();
    base = dev.resolvedUrls?.local[0] ?? '';
    expect(base).not.toBe('');
  });

  afterAll(async () => {
    await dev?.close();
  });

  it('trains bit-identically to the serial engine with 1 extra thread', async () => {
    const report = await runHarness(
      new URL('cpu-threads.html', base).href,
      new URL('tests/helpers/gemmWorkerE2e.ts', base).href,
      { threads: 1, steps: STEPS },
    );
    expectIdentical(report, 1);
  });
});
