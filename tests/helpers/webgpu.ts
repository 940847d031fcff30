// Node WebGPU harness for the gpu test project: Dawn (npm `webgpu`) over
// SwiftShader's Vulkan ICD, which Debian's chromium package ships; the gpu
// project's environment points the Vulkan loader at it (vitest.config.ts,
// scripts/swiftshader.mjs). The build and CI machines have no GPU, so this
// software adapter is the real target of every GPU test. A missing adapter
// FAILS the run, in CI and everywhere else.

import { create, globals } from 'webgpu';

export interface GpuHarness {
  gpu: GPU;
  adapter: GPUAdapter;
  device: GPUDevice;
  /** Destroys the device and drops the Dawn instance so Node can exit. */
  close(): void;
}

let installedGlobals = false;

/** The adapter's limits raised to what the engine may ask for, like device.ts does. */
function wantedLimits(adapter: GPUAdapter): Record<string, number> {
  const l = adapter.limits;
  return {
    maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
    maxBufferSize: l.maxBufferSize,
    maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
    maxComputeWorkgroupStorageSize: l.maxComputeWorkgroupStorageSize,
  };
}

/**
 * Opens the adapter and a device. A missing adapter is a failure, never a
 * skip: `npm test` installs the SwiftShader driver first, so there is no
 * machine on which these tests have a reason not to run.
 */
export async function openGpu(): Promise<GpuHarness> {
  if (!installedGlobals) {
    Object.assign(globalThis, globals);
    installedGlobals = true;
  }
  let gpu: GPU | null = create([]);
  const adapter = await gpu.requestAdapter();
  if (!adapter) {
    const why =
      `no WebGPU adapter (VK_ICD_FILENAMES=${process.env.VK_ICD_FILENAMES}); ` +
      'install chromium for SwiftShader: apt-get install -y chromium';
    throw new Error(why);
  }
  const device = await adapter.requestDevice({ requiredLimits: wantedLimits(adapter) });
  return {
    gpu,
    adapter,
    device,
    close() {
      device.destroy();
      gpu = null;
    },
  };
}
