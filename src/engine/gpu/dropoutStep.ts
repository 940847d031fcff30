// Dropout's per-step uniform block (dropout.wgsl's `dropout: DropoutStep`,
// bound by every kernel that drops): its one declaration and the host's
// writer. The keys change with the step number and the rate is live, so the
// backend writes the block before each step's submit, as it writes Adam's
// `hyper` (adamStep.ts): queue.writeBuffer is ordered with the submits, so
// each queued step reads its own values however many steps are in flight.
// The keys come from dropout.ts siteKey itself, so only the per-element hash
// has a WGSL twin.
//
// Dimension legend: L layers; sites 0..L (L ≤ 8 by the schema: 9 keys).

import type { DropoutMode } from '../config';
import { dropoutScale, keepThreshold, siteKey, type DropoutSpec } from '../dropout';
import { UNIFORM_BINDING_SIZE, packUniforms, type UniformBlock } from './uniforms';

/** Sites the block has keys for: L + 1 with the schema's L ≤ 8. */
export const MAX_DROPOUT_SITES = 9;

/** The fields of `dropout: DropoutStep`, in order. */
export const DROPOUT_STEP: UniformBlock = {
  struct: 'DropoutStep',
  variable: 'dropout',
  fields: [
    ['threshold', 'u32'], // a draw at or above it keeps its unit (of 2²⁴)
    ['scale', 'f32'], // 1 / (1 − rate) as float32
    ...Array.from({ length: MAX_DROPOUT_SITES }, (_, s) => [`key${s}`, 'u32'] as const),
  ],
};

/** Where masks are drawn: per position, or once per window (Backend.trainStep's spec). */
export function dropoutModeOf(spec: DropoutSpec | undefined): DropoutMode | null {
  if (!spec) return null;
  return spec.variational ? 'variational' : 'standard';
}

/** The bytes of the DropoutStep block of step `step` (1-based) for a model of `layers`. */
export function dropoutStepUniforms(spec: DropoutSpec, step: number, layers: number): ArrayBuffer {
  if (layers + 1 > MAX_DROPOUT_SITES) {
    throw new Error(`dropout on the GPU takes at most ${MAX_DROPOUT_SITES - 1} layers`);
  }
  if (!(spec.rate >= 0 && spec.rate < 1))
    throw new Error(`dropout rate ${spec.rate} not in [0, 1)`);
  const values: Record<string, number> = {
    threshold: keepThreshold(spec.rate),
    scale: dropoutScale(spec.rate),
  };
  for (let s = 0; s < MAX_DROPOUT_SITES; s++) {
    values[`key${s}`] = s <= layers ? siteKey(spec.seed, step, s) : 0;
  }
  const data = new ArrayBuffer(UNIFORM_BINDING_SIZE);
  packUniforms(new DataView(data), 0, DROPOUT_STEP, values, 'dropout step');
  return data;
}
