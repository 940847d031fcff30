// Models compared side by side share one worker's memory: each may fit on
// its own (capacity.ts plans it) while together they do not. The sum of
// their footprints on each engine is held to that engine's budget, and a set
// that exceeds it is refused before any model is built, saying by how much.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers.

import { bytesText, footprint, type RunShape } from '../engine/memory';
import { CapacityError, cpuLimit, gpuLimit, type CapacityPlan } from './capacity';
import type { DeviceReport } from './protocol';

/**
 * Throws CapacityError when the models of `shapes`, each on the engine its
 * plan chose, need more than an engine's budget together.
 */
export function checkTogether(
  shapes: RunShape[],
  plans: CapacityPlan[],
  device: DeviceReport,
  deviceMemoryGiB?: number,
): void {
  if (shapes.length < 2) return;
  for (const gpu of [true, false]) {
    const limit = gpu ? gpuLimit(device) : cpuLimit(deviceMemoryGiB);
    const on = shapes.filter((_, k) => plans[k].gpu === gpu);
    if (on.length < 2) continue;
    const need = on.reduce((n, s) => n + footprint(s, limit.backend).totalBytes, 0);
    if (need > limit.totalBytes) {
      const engine = gpu ? 'WebGPU' : 'the CPU engine';
      throw new CapacityError(
        `the ${on.length} models compared need ${bytesText(need)} together on ${engine}, ` +
          `over its memory budget of ${bytesText(limit.totalBytes)}: remove a model or choose a smaller H`,
      );
    }
  }
}
