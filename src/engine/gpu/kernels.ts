// Kernel descriptors and the pipeline cache. Each kernel names its shader, the
// fields of its uniform block (binding 0, a slot of a program's uniform buffer
// picked by dynamic offset) and the access mode of its other bindings. The
// uniform blocks are declared here only (Adam's step block in adamStep.ts, dropout's in dropoutStep.ts):
// kernelSource generates their WGSL structs in front of the shader
// (uniforms.ts). Pipelines are cached by kernel + override constants; kernels that bind the
// same kinds of buffers share one bind-group layout, so a bind group serves
// every constant variant (e.g. all GEMM transposes, all tile sizes), and the
// persistent recurrent kernels share the step kernels' layouts.
//
// Dimension legend: B batch, T window, H hidden (the recurrent kernels'
// uniforms); GEMMs take M, N, K (see gemm.ts). Buffer shapes: see each shader.

import type { GpuResources } from './resources';
import { ADAM_STEP } from './adamStep';
import { DROPOUT_STEP } from './dropoutStep';
import { SHADER_SOURCES, type ShaderName } from './shaderSources';
import {
  UNIFORM_BINDING_SIZE,
  uniformDeclaration,
  type UniformBlock,
  type UniformField,
} from './uniforms';

/** Binding after binding 0: storage read / read-write, or a plain uniform buffer of a block. */
export type BindingKind = 'read' | 'rw' | UniformBlock;

export interface KernelSpec {
  shader: ShaderName;
  /** Name of the bind-group layout (kernels with equal binding kinds may share one). */
  layout: string;
  bindings: readonly BindingKind[];
  /** The dispatch's uniforms, read in WGSL as `p.<field>` (struct Params, binding 0). */
  uniforms: UniformBlock;
}

/** A dispatch's uniform block: `p: Params` in the shader. */
function params(...fields: UniformField[]): UniformBlock {
  return { struct: 'Params', variable: 'p', fields };
}

/**
 * The persistent (whole-window) recurrent kernels' uniforms: B, H, T, where
 * their weights sit in the arena, the direction (reverse: 1 walks time
 * backwards) and the row stride and column of their h in the (T+2, B, D·H)
 * states. One list, in the order of their WGSL structs.
 */
function seqUniforms(...weightOffsets: string[]): UniformBlock {
  return params(
    ['B', 'u32'],
    ['H', 'u32'],
    ['T', 'u32'],
    ...weightOffsets.map((name): UniformField => [name, 'u32']),
    ['reverse', 'u32'],
    ['hLd', 'u32'],
    ['hCol', 'u32'],
  );
}

const GEMM_UNIFORMS = params(
  ['M', 'u32'],
  ['N', 'u32'],
  ['K', 'u32'],
  ['lda', 'u32'],
  ['ldb', 'u32'],
  ['ldc', 'u32'],
  ['aOffset', 'u32'],
  ['bOffset', 'u32'],
  ['cOffset', 'u32'],
  ['biasOffset', 'u32'],
  ['colSumOffset', 'u32'],
);
const GEMM_BINDINGS: readonly BindingKind[] = ['read', 'read', 'rw', 'read'];

export const KERNELS = {
  gemm_tiled: {
    shader: 'gemm_tiled',
    layout: 'gemm',
    bindings: GEMM_BINDINGS,
    uniforms: GEMM_UNIFORMS,
  },
  gemm_vec4_8x8: {
    shader: 'gemm_vec4_8x8',
    layout: 'gemm',
    bindings: GEMM_BINDINGS,
    uniforms: GEMM_UNIFORMS,
  },
  gemm_tiled_vec4: {
    shader: 'gemm_tiled_vec4',
    layout: 'gemm',
    bindings: GEMM_BINDINGS,
    uniforms: GEMM_UNIFORMS,
  },
  gemm_register: {
    shader: 'gemm_register',
    layout: 'gemm',
    bindings: GEMM_BINDINGS,
    uniforms: GEMM_UNIFORMS,
  },
  gemm_vec4: {
    shader: 'gemm_vec4',
    layout: 'gemm',
    bindings: GEMM_BINDINGS,
    uniforms: GEMM_UNIFORMS,
  },
  lstm_step_forward: {
    shader: 'lstm_step_forward',
    layout: 'lstm_step_forward',
    bindings: ['read', 'rw', 'rw', 'rw'],
    uniforms: params(
      ['B', 'u32'],
      ['H', 'u32'],
      ['row', 'u32'],
      ['prevSlot', 'u32'],
      ['nextSlot', 'u32'],
      ['whOffset4', 'u32'],
      ['hLd', 'u32'],
      ['hCol', 'u32'],
    ),
  },
  // The persistent kernels bind what the step kernels bind, so they share their layouts.
  lstm_seq_forward: {
    shader: 'lstm_seq_forward',
    layout: 'lstm_step_forward',
    bindings: ['read', 'rw', 'rw', 'rw'],
    uniforms: seqUniforms('whOffset4'),
  },
  lstm_seq_backward: {
    shader: 'lstm_seq_backward',
    layout: 'lstm_step_backward',
    bindings: ['read', 'rw', 'rw', 'rw', 'rw'],
    uniforms: seqUniforms('whOffset4'),
  },
  lstm_step_backward: {
    shader: 'lstm_step_backward',
    layout: 'lstm_step_backward',
    bindings: ['read', 'rw', 'rw', 'rw', 'rw'],
    uniforms: params(
      ['B', 'u32'],
      ['H', 'u32'],
      ['row', 'u32'], // original time of this step
      ['nextRow', 'u32'], // the step processed before (unused when last)
      ['slot', 'u32'],
      ['prevSlot', 'u32'],
      ['last', 'u32'], // 1 when t = T − 1
      ['whOffset4', 'u32'],
      ['hLd', 'u32'],
      ['hCol', 'u32'],
    ),
  },
  // GRU and RNN: Wh rows of 3H or H floats are not vec4-aligned, so offsets are in floats.
  gru_step_forward: {
    shader: 'gru_step_forward',
    layout: 'lstm_step_forward',
    bindings: ['read', 'rw', 'rw', 'rw'],
    uniforms: params(
      ['B', 'u32'],
      ['H', 'u32'],
      ['row', 'u32'],
      ['prevSlot', 'u32'],
      ['nextSlot', 'u32'],
      ['whOffset', 'u32'],
      ['bhnOffset', 'u32'],
      ['hLd', 'u32'],
      ['hCol', 'u32'],
    ),
  },
  gru_seq_forward: {
    shader: 'gru_seq_forward',
    layout: 'lstm_step_forward',
    bindings: ['read', 'rw', 'rw', 'rw'],
    uniforms: seqUniforms('whOffset', 'bhnOffset'),
  },
  gru_step_backward: {
    shader: 'gru_step_backward',
    layout: 'gru_backward',
    bindings: ['read', 'rw', 'read', 'read', 'rw', 'rw', 'rw'],
    uniforms: params(
      ['B', 'u32'],
      ['H', 'u32'],
      ['row', 'u32'], // original time of this step
      ['nextRow', 'u32'], // the step processed before (unused when last)
      ['slot', 'u32'],
      ['prevSlot', 'u32'],
      ['last', 'u32'], // 1 when t = T − 1
      ['whOffset', 'u32'],
      ['hLd', 'u32'],
      ['hCol', 'u32'],
    ),
  },
  gru_seq_backward: {
    shader: 'gru_seq_backward',
    layout: 'gru_backward',
    bindings: ['read', 'rw', 'read', 'read', 'rw', 'rw', 'rw'],
    uniforms: seqUniforms('whOffset'),
  },
  gru_bhn_grad: {
    shader: 'gru_bhn_grad',
    layout: 'read_rw',
    bindings: ['read', 'rw'],
    uniforms: params(['N', 'u32'], ['H', 'u32'], ['gradOffset', 'u32']),
  },
  flow_norms: {
    shader: 'flow_norms',
    layout: 'read_rw',
    bindings: ['read', 'rw'],
    uniforms: params(
      ['T', 'u32'],
      ['B', 'u32'],
      ['H', 'u32'],
      ['srcOffset', 'u32'],
      ['outOffset', 'u32'],
    ),
  },
  rnn_step_forward: {
    shader: 'rnn_step_forward',
    layout: 'read_rw_rw',
    bindings: ['read', 'rw', 'rw'],
    uniforms: params(
      ['B', 'u32'],
      ['H', 'u32'],
      ['row', 'u32'],
      ['prevSlot', 'u32'],
      ['nextSlot', 'u32'],
      ['whOffset', 'u32'],
      ['hLd', 'u32'],
      ['hCol', 'u32'],
    ),
  },
  rnn_seq_forward: {
    shader: 'rnn_seq_forward',
    layout: 'read_rw_rw',
    bindings: ['read', 'rw', 'rw'],
    uniforms: seqUniforms('whOffset'),
  },
  rnn_step_backward: {
    shader: 'rnn_step_backward',
    layout: 'read_rw_rw',
    bindings: ['read', 'rw', 'rw'],
    uniforms: params(
      ['B', 'u32'],
      ['H', 'u32'],
      ['row', 'u32'], // original time of this step
      ['nextRow', 'u32'], // the step processed before (unused when last)
      ['last', 'u32'], // 1 when t = T − 1
      ['whOffset', 'u32'],
      ['hLd', 'u32'],
      ['hCol', 'u32'],
    ),
  },
  rnn_seq_backward: {
    shader: 'rnn_seq_backward',
    layout: 'read_rw_rw',
    bindings: ['read', 'rw', 'rw'],
    uniforms: seqUniforms('whOffset'),
  },
  embedding_forward: {
    shader: 'embedding_forward',
    layout: 'read_read_rw',
    bindings: ['read', 'read', 'rw'],
    uniforms: params(
      ['N', 'u32'],
      ['E', 'u32'],
      ['tokenOffset', 'u32'],
      ['embOffset', 'u32'],
      ['outOffset', 'u32'],
    ),
  },
  // Training steps that drop: site 0's mask fused into the gather and its gradient
  // (dropout_embedding_on.wgsl), read from the per-step block (dropoutStep.ts).
  embedding_forward_dropout: {
    shader: 'embedding_forward_dropout',
    layout: 'embedding_dropout',
    bindings: ['read', 'read', 'rw', DROPOUT_STEP],
    uniforms: params(
      ['N', 'u32'],
      ['E', 'u32'],
      ['tokenOffset', 'u32'],
      ['embOffset', 'u32'],
      ['outOffset', 'u32'],
      ['B', 'u32'],
      ['variational', 'u32'], // 1: one mask per stream and unit for the window
    ),
  },
  embedding_backward_dropout: {
    shader: 'embedding_backward_dropout',
    layout: 'embedding_dropout',
    bindings: ['read', 'read', 'rw', DROPOUT_STEP],
    uniforms: params(
      ['N', 'u32'],
      ['E', 'u32'],
      ['V', 'u32'],
      ['tokenOffset', 'u32'],
      ['gradOffset', 'u32'],
      ['B', 'u32'],
      ['variational', 'u32'],
    ),
  },
  // Sites 1..L: a dropped copy of h forward, the masked gradient into dH backward.
  dropout_apply: {
    shader: 'dropout_apply',
    layout: 'dropout_apply',
    bindings: ['read', 'rw', DROPOUT_STEP],
    uniforms: params(
      ['count', 'u32'], // N·X elements
      ['X', 'u32'],
      ['B', 'u32'],
      ['srcOffset', 'u32'],
      ['dstOffset', 'u32'],
      ['site', 'u32'],
      ['variational', 'u32'],
    ),
  },
  embedding_backward: {
    shader: 'embedding_backward',
    layout: 'read_read_rw',
    bindings: ['read', 'read', 'rw'],
    uniforms: params(
      ['N', 'u32'],
      ['E', 'u32'],
      ['V', 'u32'],
      ['tokenOffset', 'u32'],
      ['gradOffset', 'u32'],
    ),
  },
  softmax_cross_entropy: {
    shader: 'softmax_cross_entropy',
    layout: 'softmax_cross_entropy',
    bindings: ['rw', 'read', 'rw'],
    uniforms: params(
      ['N', 'u32'],
      ['V', 'u32'],
      ['ld', 'u32'],
      ['targetOffset', 'u32'],
      ['scale', 'f32'],
    ),
  },
  // The forecast head's loss (MSE) in place of softmax_cross_entropy: same bindings, f32 targets.
  mean_squared_error: {
    shader: 'mean_squared_error',
    layout: 'softmax_cross_entropy',
    bindings: ['rw', 'read', 'rw'],
    uniforms: params(['N', 'u32'], ['Co', 'u32'], ['ld', 'u32'], ['scale', 'f32']),
  },
  grad_norm: {
    shader: 'grad_norm',
    layout: 'read_rw',
    bindings: ['read', 'rw'],
    uniforms: params(['count4', 'u32']), // P/4 vec4s of the arena
  },
  adam: {
    shader: 'adam',
    layout: 'adam',
    bindings: [ADAM_STEP, 'rw', 'read', 'rw', 'rw', 'read', 'read', 'read', 'rw'],
    uniforms: params(
      ['count4', 'u32'], // P/4 vec4s of the arena
      ['partialCount', 'u32'],
      ['lossRows', 'u32'],
    ),
  },
  // A bidirectional layer's input gradient: the reverse direction's product added in.
  add_into: {
    shader: 'add_into',
    layout: 'read_rw',
    bindings: ['read', 'rw'],
    uniforms: params(['count', 'u32'], ['srcOffset', 'u32'], ['dstOffset', 'u32']),
  },
  loss_sum: {
    shader: 'loss_sum',
    layout: 'read_rw',
    bindings: ['read', 'rw'],
    uniforms: params(['rows', 'u32']),
  },
  sample: {
    shader: 'sample',
    layout: 'read_read_rw',
    bindings: ['read', 'read', 'rw'],
    uniforms: params(
      ['V', 'u32'],
      ['logitsOffset', 'u32'],
      ['position', 'u32'],
      ['topK', 'u32'],
      ['temperature', 'f32'],
    ),
  },
} as const satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof KERNELS;
export type Constants = Record<string, boolean | number>;

/**
 * The WGSL a kernel compiles: its uniform structs and bindings, generated
 * from the declarations above, then the shader.
 */
export function kernelSource(kernel: KernelName): string {
  const spec: KernelSpec = KERNELS[kernel];
  const declarations = [uniformDeclaration(spec.uniforms, 0)];
  spec.bindings.forEach((kind, i) => {
    if (typeof kind === 'object') declarations.push(uniformDeclaration(kind, i + 1));
  });
  return [...declarations, SHADER_SOURCES[spec.shader]].join('\n');
}

/** Builds pipelines and bind-group layouts once and hands out cached ones. */
export class KernelLibrary {
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly pipelineLayouts = new Map<string, GPUPipelineLayout>();
  private readonly modules = new Map<KernelName, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();

  constructor(readonly resources: GpuResources) {}

  get device(): GPUDevice {
    return this.resources.device;
  }

  layout(kernel: KernelName): GPUBindGroupLayout {
    const spec: KernelSpec = KERNELS[kernel];
    let layout = this.layouts.get(spec.layout);
    if (!layout) {
      const entries: GPUBindGroupLayoutEntry[] = [
        {
          binding: 0,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: 'uniform', hasDynamicOffset: true, minBindingSize: UNIFORM_BINDING_SIZE },
        },
        ...spec.bindings.map((kind, i): GPUBindGroupLayoutEntry => ({
          binding: i + 1,
          visibility: GPUShaderStage.COMPUTE,
          buffer: {
            type:
              typeof kind === 'object'
                ? 'uniform'
                : kind === 'read'
                  ? 'read-only-storage'
                  : 'storage',
          },
        })),
      ];
      layout = this.resources.bindGroupLayout({ label: `layout:${spec.layout}`, entries });
      this.layouts.set(spec.layout, layout);
    }
    return layout;
  }

  pipeline(kernel: KernelName, constants: Constants = {}): GPUComputePipeline {
    const spec: KernelSpec = KERNELS[kernel];
    const names = Object.keys(constants).sort();
    const key = `${kernel}|${names.map((n) => `${n}=${String(constants[n])}`).join(',')}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      let module = this.modules.get(kernel);
      if (!module) {
        module = this.resources.shaderModule({
          label: `shader:${kernel}`,
          code: kernelSource(kernel),
        });
        this.modules.set(kernel, module);
      }
      let pipelineLayout = this.pipelineLayouts.get(spec.layout);
      if (!pipelineLayout) {
        pipelineLayout = this.device.createPipelineLayout({
          label: `pipeline-layout:${spec.layout}`,
          bindGroupLayouts: [this.layout(kernel)],
        });
        this.pipelineLayouts.set(spec.layout, pipelineLayout);
      }
      const numeric: Record<string, number> = {};
      for (const n of names) numeric[n] = Number(constants[n]);
      pipeline = this.resources.pipeline({
        label: `pipeline:${key}`,
        layout: pipelineLayout,
        compute: { module, entryPoint: 'main', constants: numeric },
      });
      this.pipelines.set(key, pipeline);
    }
    return pipeline;
  }
}
