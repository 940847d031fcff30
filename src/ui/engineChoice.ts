// What the page says about Auto's choice of engine (worker/backendChoice.ts):
// while it measures, which engine it picked and by how much, with the
// figures; a runner-up that was cut short is "at least" that much slower.
//
// Dimension legend: none.

import type { ActiveBackend, AutoChoice } from '../worker/protocol';

export const MEASURING_TEXT = 'Measuring which engine is faster here…';

const NAMES = { cpu: 'CPU', webgpu: 'WebGPU' } as const;

/** Below this speedup the two engines are as fast as each other (calibration.ts tieMargin). */
const TIE = 1.1;

/** "14 ms" or "0.42 ms": enough digits to compare. */
function ms(x: number): string {
  return x >= 10 ? x.toFixed(0) : x >= 1 ? x.toFixed(1) : x.toFixed(2);
}

/** "Auto: CPU, 6.1× faster than WebGPU here (14 vs 86 ms/step)". */
export function autoChoiceText(auto: AutoChoice): string {
  const pick = NAMES[auto.pick];
  const other = auto.pick === 'cpu' ? 'webgpu' : 'cpu';
  const otherMs = `${auto.cut ? '≥ ' : ''}${ms(auto.ms[other])}`;
  const figures = `(${ms(auto.ms[auto.pick])} vs ${otherMs} ms/step)`;
  const how =
    auto.speedup < TIE && !auto.cut
      ? `as fast as ${NAMES[other]} here ${figures}${auto.pick === 'webgpu' ? ', and it leaves the CPU cores to the page' : ''}`
      : `${auto.cut ? 'at least ' : ''}${auto.speedup.toFixed(1)}× faster than ${NAMES[other]} here ${figures}`;
  const when =
    auto.source === 'cached'
      ? ', measured earlier on this device'
      : `, measured in ${(auto.calibrationMs / 1000).toFixed(1)} s`;
  return `Auto: ${pick}, ${how}${when}.`;
}

/** The software-adapter banner's advice: the measurement when there is one. */
export function softwareAdapterAdvice(backend: ActiveBackend): string {
  const auto = backend.auto;
  if (auto?.pick === 'webgpu') {
    const figures = `${ms(auto.ms.webgpu)} vs ${ms(auto.ms.cpu)} ms/step`;
    return auto.speedup < TIE
      ? `Auto measured it as fast as the CPU engine for this model (${figures}).`
      : `Auto measured it ${auto.speedup.toFixed(1)}× faster than the CPU engine for this model (${figures}).`;
  }
  return 'Choose Backend: Auto to measure which engine is faster here for this model.';
}
