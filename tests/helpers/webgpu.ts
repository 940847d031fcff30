// Node WebGPU harness for the gpu test project: Dawn (npm `webgpu`) over
// SwiftShader's Vulkan ICD, which Debian's chromium package ships. The build
// and CI machines have no GPU, so this software adapter is the real target of
// every GPU test. Under CI a missing adapter FAILS the run; locally the tests
// may skip with a message.

import { create, globals } from 'webgpu';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

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
 * Opens the adapter and a device, or returns null (with a reason on stderr)
 * when there is none and CI is not set. Under CI=true a missing adapter throws.
 */
export async function openGpu(): Promise<GpuHarness | null> {
  process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
  process.env.XDG_RUNTIME_DIR ??= '/tmp';
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
    if (process.env.CI === 'true' || process.env.CI === '1') throw new Error(why);
    console.warn(`[gpu tests skipped] ${why}`);
    return null;
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
