import { defineConfig } from 'vitest/config';
import { swiftshaderEnv } from './scripts/swiftshader.mjs';
import { watPlugin } from './scripts/vitePluginWat.ts';

// Three projects, run in this order by `npm test`:
//   unit — pure TypeScript, the CPU reference and the formats;
//   gpu  — real WebGPU in Node (Dawn over SwiftShader), kernels against the CPU twin;
//   e2e  — the built app in Debian's headless chromium, with and without WebGPU.
export default defineConfig({
  // The CPU engine's .wat kernel, assembled on import and loaded before the tests; each
  // project `extends` this root config.
  plugins: [watPlugin()],
  test: {
    setupFiles: ['tests/helpers/wasmKernel.ts'],
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['tests/unit/**/*.test.ts'],
          environment: 'node',
          testTimeout: 60_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'gpu',
          include: ['tests/gpu/**/*.test.ts'],
          environment: 'node',
          // Every way into these tests (npm test, npm run test:gpu, npx vitest) finds the adapter.
          env: swiftshaderEnv(),
          testTimeout: 300_000,
          hookTimeout: 120_000,
          // One Dawn instance per file is plenty on 2 cores; software Vulkan is CPU-bound.
          fileParallelism: false,
        },
      },
      {
        extends: true,
        test: {
          name: 'e2e',
          include: ['tests/e2e/**/*.test.ts'],
          environment: 'node',
          // A ceiling, not an expectation: the playground tests take a minute or two, more
          // while busy loops occupy every core (npm run test:e2e:stress).
          testTimeout: 900_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          // A page on a loaded machine can take seconds to show what it will show: an
          // `expect.poll` without a ceiling of its own waits this long, not Vitest's 1 s.
          expect: { poll: { timeout: 30_000, interval: 100 } },
        },
      },
    ],
  },
});
