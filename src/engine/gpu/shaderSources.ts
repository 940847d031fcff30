// The WGSL sources of every kernel, one file per kernel and direction in
// shaders/. Vite's `?raw` suffix inlines them as strings in the app bundle;
// Vitest goes through Vite too, so tests see the same text. WGSL has no
// includes, so shared parts are prepended here: the GEMM kernels share their
// variant overrides and stores (gemm_common.wgsl) and, for the vec4-operand
// ones, bindings and loads (gemm_vec4_common.wgsl); the recurrent kernels
// share sigmoid and tanhSafe (common_math.wgsl), the cell's pointwise
// math (lstm_cell.wgsl, gru_cell.wgsl; the plain RNN needs only tanh), where a
// direction's h lives (recurrent_columns.wgsl) and, persistent ones, how a
// direction's steps map to time (recurrent_time.wgsl); the
// kernels that drop share the mask (dropout.wgsl), and the embedding kernels
// take site 0's mask from a piece in front: the mask, or 1 when the step
// does not drop (dropout_embedding_on/off.wgsl). The uniform structs come
// from kernels.ts (kernelSource), in front of all of it.
//
// Dimension legend and buffer shapes: at the top of every shader.

import addInto from '../../../shaders/add_into.wgsl?raw';
import commonMath from '../../../shaders/common_math.wgsl?raw';
import dropout from '../../../shaders/dropout.wgsl?raw';
import dropoutApply from '../../../shaders/dropout_apply.wgsl?raw';
import dropoutEmbeddingOff from '../../../shaders/dropout_embedding_off.wgsl?raw';
import dropoutEmbeddingOn from '../../../shaders/dropout_embedding_on.wgsl?raw';
import embeddingBackward from '../../../shaders/embedding_backward.wgsl?raw';
import embeddingForward from '../../../shaders/embedding_forward.wgsl?raw';
import gemmCommon from '../../../shaders/gemm_common.wgsl?raw';
import gemmRegister from '../../../shaders/gemm_register.wgsl?raw';
import gemmTiled from '../../../shaders/gemm_tiled.wgsl?raw';
import gemmTiledVec4 from '../../../shaders/gemm_tiled_vec4.wgsl?raw';
import gemmVec4 from '../../../shaders/gemm_vec4.wgsl?raw';
import gemmVec4Wide from '../../../shaders/gemm_vec4_8x8.wgsl?raw';
import gemmVec4Common from '../../../shaders/gemm_vec4_common.wgsl?raw';
import flowNorms from '../../../shaders/flow_norms.wgsl?raw';
import gradNorm from '../../../shaders/grad_norm.wgsl?raw';
import adam from '../../../shaders/adam.wgsl?raw';
import lossSum from '../../../shaders/loss_sum.wgsl?raw';
import meanSquaredError from '../../../shaders/mean_squared_error.wgsl?raw';
import gruBhnGrad from '../../../shaders/gru_bhn_grad.wgsl?raw';
import gruCell from '../../../shaders/gru_cell.wgsl?raw';
import gruSeqBackward from '../../../shaders/gru_seq_backward.wgsl?raw';
import gruSeqForward from '../../../shaders/gru_seq_forward.wgsl?raw';
import gruStepBackward from '../../../shaders/gru_step_backward.wgsl?raw';
import gruStepForward from '../../../shaders/gru_step_forward.wgsl?raw';
import lstmCell from '../../../shaders/lstm_cell.wgsl?raw';
import lstmSeqBackward from '../../../shaders/lstm_seq_backward.wgsl?raw';
import lstmSeqForward from '../../../shaders/lstm_seq_forward.wgsl?raw';
import lstmStepBackward from '../../../shaders/lstm_step_backward.wgsl?raw';
import lstmStepForward from '../../../shaders/lstm_step_forward.wgsl?raw';
import rnnSeqBackward from '../../../shaders/rnn_seq_backward.wgsl?raw';
import rnnSeqForward from '../../../shaders/rnn_seq_forward.wgsl?raw';
import rnnStepBackward from '../../../shaders/rnn_step_backward.wgsl?raw';
import rnnStepForward from '../../../shaders/rnn_step_forward.wgsl?raw';
import recurrentColumns from '../../../shaders/recurrent_columns.wgsl?raw';
import recurrentTime from '../../../shaders/recurrent_time.wgsl?raw';
import sample from '../../../shaders/sample.wgsl?raw';
import softmaxCrossEntropy from '../../../shaders/softmax_cross_entropy.wgsl?raw';

/** A GEMM kernel with the shared parts it relies on in front. */
const gemm = (...parts: string[]) => [gemmCommon, ...parts].join('\n');
/**
 * A recurrent kernel with the scalar math, the cell's math and where its
 * direction's h lives in front; a persistent one also maps its steps to time
 * (the reverse direction walks it backwards; the step kernels get their rows
 * and slots from the host).
 */
const recurrent = (cellMath: string[]) => (kernel: string) =>
  [commonMath, ...cellMath, recurrentColumns, kernel].join('\n');
const persistent = (cellMath: string[]) => (kernel: string) =>
  [commonMath, ...cellMath, recurrentColumns, recurrentTime, kernel].join('\n');
const lstm = recurrent([lstmCell]);
const lstmSeq = persistent([lstmCell]);
const gru = recurrent([gruCell]);
const gruSeq = persistent([gruCell]);
/** The plain RNN's math is tanh and its derivative: common_math.wgsl is enough. */
const rnn = recurrent([]);
const rnnSeq = persistent([]);
/** A kernel that drops: the mask math in front. */
const dropping = (...parts: string[]) => [dropout, ...parts].join('\n');
/** An embedding kernel without dropout: site 0's mask is 1. */
const undropped = (kernel: string) => [dropoutEmbeddingOff, kernel].join('\n');

export const SHADER_SOURCES = {
  adam,
  add_into: addInto,
  dropout_apply: dropping(dropoutApply),
  embedding_backward: undropped(embeddingBackward),
  embedding_backward_dropout: dropping(dropoutEmbeddingOn, embeddingBackward),
  embedding_forward: undropped(embeddingForward),
  embedding_forward_dropout: dropping(dropoutEmbeddingOn, embeddingForward),
  flow_norms: flowNorms,
  gemm_register: gemm(gemmRegister),
  gemm_tiled: gemm(gemmTiled),
  gemm_tiled_vec4: gemm(gemmVec4Common, gemmTiledVec4),
  gemm_vec4: gemm(gemmVec4Common, gemmVec4),
  gemm_vec4_8x8: gemm(gemmVec4Common, gemmVec4Wide),
  grad_norm: gradNorm,
  gru_bhn_grad: gruBhnGrad,
  gru_seq_backward: gruSeq(gruSeqBackward),
  gru_seq_forward: gruSeq(gruSeqForward),
  gru_step_backward: gru(gruStepBackward),
  gru_step_forward: gru(gruStepForward),
  loss_sum: lossSum,
  mean_squared_error: meanSquaredError,
  lstm_seq_backward: lstmSeq(lstmSeqBackward),
  lstm_seq_forward: lstmSeq(lstmSeqForward),
  lstm_step_backward: lstm(lstmStepBackward),
  lstm_step_forward: lstm(lstmStepForward),
  rnn_seq_backward: rnnSeq(rnnSeqBackward),
  rnn_seq_forward: rnnSeq(rnnSeqForward),
  rnn_step_backward: rnn(rnnStepBackward),
  rnn_step_forward: rnn(rnnStepForward),
  sample,
  softmax_cross_entropy: softmaxCrossEntropy,
} as const;

export type ShaderName = keyof typeof SHADER_SOURCES;
