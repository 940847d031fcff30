// Which adapters count as software renderers (the page warns that "GPU" work
// shares the CPU there). Checked on adapter descriptions, so it holds
// whatever adapter the machine running the tests has.

import { expect, test } from 'vitest';
import { isSoftwareAdapter } from '../../../src/engine/gpu/adapterKind';

const gpu = { vendor: 'nvidia', architecture: 'ampere', device: '', description: '' };
const info = (fields: Partial<GPUAdapterInfo> & { isFallbackAdapter?: boolean }) =>
  ({ ...gpu, ...fields }) as GPUAdapterInfo;

test('software renderers are recognised by name or by the fallback flag; GPUs are not', () => {
  expect(isSoftwareAdapter(info({}))).toBe(false);
  expect(isSoftwareAdapter(undefined)).toBe(false);
  // Dawn's SwiftShader adapter, as Node and chromium describe it.
  expect(isSoftwareAdapter(info({ vendor: 'google', architecture: 'swiftshader' }))).toBe(true);
  expect(
    isSoftwareAdapter(
      info({ vendor: 'mesa', architecture: '', description: 'llvmpipe (LLVM 15)' }),
    ),
  ).toBe(true);
  expect(isSoftwareAdapter(info({ description: 'Microsoft Basic Render Driver' }))).toBe(true);
  expect(isSoftwareAdapter(info({ isFallbackAdapter: true }))).toBe(true);
});
