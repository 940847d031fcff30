// Whether a WebGPU adapter is a real GPU or a renderer that runs on the CPU
// (SwiftShader, llvmpipe/lavapipe, WARP): on those, "GPU" work competes with
// the CPU engine for the same cores, and the page says so.
//
// Dimension legend: none.

const SOFTWARE_NAMES = /swiftshader|llvmpipe|lavapipe|softpipe|\bwarp\b|basic render/i;

/** The adapter's own flag where the browser sets it, else its vendor/architecture/description. */
export function isSoftwareAdapter(info: GPUAdapterInfo | undefined): boolean {
  if (!info) return false;
  if ((info as { isFallbackAdapter?: boolean }).isFallbackAdapter === true) return true;
  return SOFTWARE_NAMES.test(
    [info.vendor, info.architecture, info.device, info.description].join(' '),
  );
}
