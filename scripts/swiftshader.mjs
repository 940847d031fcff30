// Where WebGPU runs when the machine has no GPU: Dawn for Node over the
// SwiftShader Vulkan driver that Debian's chromium ships. The one place its
// path and the environment the Vulkan loader reads are written down:
// vitest.config.ts hands them to the gpu project (so `npm test`,
// `npm run test:gpu` and a bare `npx vitest run --project gpu` all find the
// adapter), bench/gpu-node.ts to itself, and ensure-chromium.mjs checks the
// driver is installed.

export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

/**
 * The environment Dawn needs to find SwiftShader. A driver the caller chose
 * (a real GPU's ICD in VK_ICD_FILENAMES) is kept.
 */
export function swiftshaderEnv(env = process.env) {
  return {
    VK_ICD_FILENAMES: env.VK_ICD_FILENAMES ?? SWIFTSHADER_ICD,
    // The Vulkan loader warns, and some drivers fail, without a runtime directory.
    XDG_RUNTIME_DIR: env.XDG_RUNTIME_DIR ?? '/tmp',
  };
}
