// The optimizer's per-step uniform block (adam.wgsl's `hyper: Step`,
// binding 1 of the adam kernel): its one declaration and the host's writer.
// It changes with the step number, so the backend writes it before each
// step rather than recording it in the training program.
//
// Dimension legend: none (scalars of Adam/AdamW, src/engine/cpu/adam.ts).

import type { OptimizerConfig } from '../config';
import { UNIFORM_BINDING_SIZE, packUniforms, type UniformBlock } from './uniforms';

/** The fields of `hyper: Step`, in order; kernels.ts binds it to the adam kernel. */
export const ADAM_STEP: UniformBlock = {
  struct: 'Step',
  variable: 'hyper',
  fields: [
    ['lossSlot', 'u32'],
    ['stepSize', 'f32'], // lr / bc1
    ['bc2', 'f32'],
    ['beta1', 'f32'],
    ['oneMinusBeta1', 'f32'],
    ['beta2', 'f32'],
    ['oneMinusBeta2', 'f32'],
    ['epsilon', 'f32'],
    ['decay', 'f32'], // lr · weight decay
    ['clipNorm', 'f32'],
    ['step', 'u32'], // 1-based, written to the flag word when weights are not finite
  ],
};

/** The bytes of the Step block for one step, packed by ADAM_STEP. */
export function adamHyperparameters(
  o: OptimizerConfig,
  step: number,
  lossSlot: number,
): ArrayBuffer {
  const data = new ArrayBuffer(UNIFORM_BINDING_SIZE);
  const bc1 = 1 - Math.pow(o.beta1, step);
  const bc2 = 1 - Math.pow(o.beta2, step);
  const values = {
    lossSlot,
    stepSize: o.learningRate / bc1,
    bc2,
    beta1: o.beta1,
    oneMinusBeta1: 1 - o.beta1,
    beta2: o.beta2,
    oneMinusBeta2: 1 - o.beta2,
    epsilon: o.epsilon,
    decay: o.learningRate * o.weightDecay,
    clipNorm: o.clipNorm,
    step,
  };
  packUniforms(new DataView(data), 0, ADAM_STEP, values, 'adam step');
  return data;
}
