// The WGSL sources of every kernel, one file per kernel and direction in
// shaders/. Vite's `?raw` suffix inlines them as strings in the app bundle;
// Vitest goes through Vite too, so tests see the same text. The GEMM kernels
// share their uniform block and variant overrides (gemm_common.wgsl) and,
// for the vec4-operand ones, bindings, loads and stores
// (gemm_vec4_common.wgsl): WGSL has no includes, so those are prepended here.
//
// Dimension legend and buffer shapes: at the top of every shader.

import embeddingBackward from '../../../shaders/embedding_backward.wgsl?raw';
import embeddingForward from '../../../shaders/embedding_forward.wgsl?raw';
import gemmCommon from '../../../shaders/gemm_common.wgsl?raw';
import gemmRegister from '../../../shaders/gemm_register.wgsl?raw';
import gemmTiled from '../../../shaders/gemm_tiled.wgsl?raw';
import gemmTiledVec4 from '../../../shaders/gemm_tiled_vec4.wgsl?raw';
import gemmVec4 from '../../../shaders/gemm_vec4.wgsl?raw';
import gemmVec4Wide from '../../../shaders/gemm_vec4_8x8.wgsl?raw';
import gemmVec4Common from '../../../shaders/gemm_vec4_common.wgsl?raw';
import gradNorm from '../../../shaders/grad_norm.wgsl?raw';
import adam from '../../../shaders/adam.wgsl?raw';
import lossSum from '../../../shaders/loss_sum.wgsl?raw';
import lstmSeqBackward from '../../../shaders/lstm_seq_backward.wgsl?raw';
import lstmSeqForward from '../../../shaders/lstm_seq_forward.wgsl?raw';
import lstmStepBackward from '../../../shaders/lstm_step_backward.wgsl?raw';
import lstmStepForward from '../../../shaders/lstm_step_forward.wgsl?raw';
import sample from '../../../shaders/sample.wgsl?raw';
import softmaxCrossEntropy from '../../../shaders/softmax_cross_entropy.wgsl?raw';

/** A GEMM kernel with the shared parts it relies on in front. */
const gemm = (...parts: string[]) => [gemmCommon, ...parts].join('\n');

export const SHADER_SOURCES = {
  adam,
  embedding_backward: embeddingBackward,
  embedding_forward: embeddingForward,
  gemm_register: gemm(gemmRegister),
  gemm_tiled: gemm(gemmTiled),
  gemm_tiled_vec4: gemm(gemmVec4Common, gemmTiledVec4),
  gemm_vec4: gemm(gemmVec4Common, gemmVec4),
  gemm_vec4_8x8: gemm(gemmVec4Common, gemmVec4Wide),
  grad_norm: gradNorm,
  loss_sum: lossSum,
  lstm_seq_backward: lstmSeqBackward,
  lstm_seq_forward: lstmSeqForward,
  lstm_step_backward: lstmStepBackward,
  lstm_step_forward: lstmStepForward,
  sample,
  softmax_cross_entropy: softmaxCrossEntropy,
} as const;

export type ShaderName = keyof typeof SHADER_SOURCES;
