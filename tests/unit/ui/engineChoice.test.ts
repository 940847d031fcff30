// What the page says of Auto's choice (ui/engineChoice.ts): the pick, by how
// much, the figures; "at least" and "≥" for a runner-up that was cut; "as
// fast" within the tie margin; where the decision came from.

import { describe, expect, it } from 'vitest';
import { autoChoiceText, softwareAdapterAdvice } from '../../../src/ui/engineChoice';
import type { AutoChoice } from '../../../src/worker/protocol';

const MEASURED: AutoChoice = {
  source: 'measured',
  pick: 'cpu',
  speedup: 86 / 14,
  cut: false,
  ms: { cpu: 14, webgpu: 86 },
  calibrationMs: 412,
  at: 0,
};

describe('autoChoiceText', () => {
  it('names the pick, the speedup and both figures', () => {
    expect(autoChoiceText(MEASURED)).toBe(
      'Auto: CPU, 6.1× faster than WebGPU here (14 vs 86 ms/step), measured in 0.4 s.',
    );
  });

  it('says "at least" for a cut runner-up, and where a kept decision came from', () => {
    const cut = {
      ...MEASURED,
      cut: true,
      source: 'cached' as const,
      ms: { cpu: 2.2, webgpu: 10.3 },
    };
    expect(autoChoiceText({ ...cut, speedup: 10.3 / 2.2 })).toBe(
      'Auto: CPU, at least 4.7× faster than WebGPU here (2.2 vs ≥ 10 ms/step), measured earlier on this device.',
    );
  });

  it('calls a tie a tie, WebGPU leaving the cores to the page', () => {
    const tie = {
      ...MEASURED,
      pick: 'webgpu' as const,
      speedup: 1.04,
      ms: { cpu: 0.52, webgpu: 0.5 },
    };
    expect(autoChoiceText(tie)).toBe(
      'Auto: WebGPU, as fast as CPU here (0.50 vs 0.52 ms/step), and it leaves the CPU cores to the page, measured in 0.4 s.',
    );
  });
});

describe('softwareAdapterAdvice', () => {
  it('quotes the measurement when Auto made one, else says how to get one', () => {
    const gpu = { ...MEASURED, pick: 'webgpu' as const, speedup: 1.5, ms: { cpu: 30, webgpu: 20 } };
    expect(softwareAdapterAdvice({ kind: 'webgpu', device: 'SwiftShader', auto: gpu })).toBe(
      'Auto measured it 1.5× faster than the CPU engine for this model (20 vs 30 ms/step).',
    );
    expect(softwareAdapterAdvice({ kind: 'webgpu', device: 'SwiftShader' })).toMatch(
      /^Choose Backend: Auto to measure/,
    );
  });
});
