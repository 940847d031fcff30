// Kernel descriptors and the pipeline cache. Each kernel names its shader, the
// fields of its uniform block (binding 0, a slot of a program's uniform buffer
// picked by dynamic offset) and the access mode of its other bindings.
// Pipelines are cached by shader + override constants; kernels that bind the
// same kinds of buffers share one bind-group layout, so a bind group serves
// every constant variant (e.g. all GEMM transposes, all tile sizes), and the
// persistent recurrent kernels share the step kernels' layouts.
//
// Dimension legend: B batch, T window, H hidden (the recurrent kernels'
// uniforms); GEMMs take M, N, K (see gemm.ts). Buffer shapes: see each shader.

import type { GpuResources } from './resources';
import { SHADER_SOURCES, type ShaderName } from './shaderSources';

/** Binding after binding 0: a plain uniform buffer, or storage read / read-write. */
export type BindingKind = 'uniform' | 'read' | 'rw';
/** Uniform field: name and WGSL scalar type. */
export type UniformField = readonly [string, 'u32' | 'f32'];

export interface KernelSpec {
  shader: ShaderName;
  /** Name of the bind-group layout (kernels with equal binding kinds may share one). */
  layout: string;
  bindings: readonly BindingKind[];
  uniforms: readonly UniformField[];
}

const GEMM_UNIFORMS: readonly UniformField[] = [
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
];
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
    uniforms: [
      ['B', 'u32'],
      ['H', 'u32'],
      ['row', 'u32'],
      ['prevSlot', 'u32'],
      ['nextSlot', 'u32'],
      ['whOffset4', 'u32'],
    ],
  },
  // The persistent kernels bind what the step kernels bind, so they share their layouts.
  lstm_seq_forward: {
    shader: 'lstm_seq_forward',
    layout: 'lstm_step_forward',
    bindings: ['read', 'rw', 'rw', 'rw'],
    uniforms: [
      ['B', 'u32'],
      ['H', 'u32'],
      ['T', 'u32'],
      ['whOffset4', 'u32'],
    ],
  },
  lstm_seq_backward: {
    shader: 'lstm_seq_backward',
    layout: 'lstm_step_backward',
    bindings: ['read', 'rw', 'read', 'read', 'rw'],
    uniforms: [
      ['B', 'u32'],
      ['H', 'u32'],
      ['T', 'u32'],
      ['whOffset4', 'u32'],
    ],
  },
  lstm_step_backward: {
    shader: 'lstm_step_backward',
    layout: 'lstm_step_backward',
    bindings: ['read', 'rw', 'read', 'read', 'rw'],
    uniforms: [
      ['B', 'u32'],
      ['H', 'u32'],
      ['t', 'u32'],
      ['last', 'u32'],
      ['whOffset4', 'u32'],
    ],
  },
  embedding_forward: {
    shader: 'embedding_forward',
    layout: 'read_read_rw',
    bindings: ['read', 'read', 'rw'],
    uniforms: [
      ['N', 'u32'],
      ['E', 'u32'],
      ['tokenOffset', 'u32'],
      ['embOffset', 'u32'],
      ['outOffset', 'u32'],
    ],
  },
  embedding_backward: {
    shader: 'embedding_backward',
    layout: 'read_read_rw',
    bindings: ['read', 'read', 'rw'],
    uniforms: [
      ['N', 'u32'],
      ['E', 'u32'],
      ['V', 'u32'],
      ['tokenOffset', 'u32'],
      ['gradOffset', 'u32'],
    ],
  },
  softmax_cross_entropy: {
    shader: 'softmax_cross_entropy',
    layout: 'softmax_cross_entropy',
    bindings: ['rw', 'read', 'rw'],
    uniforms: [
      ['N', 'u32'],
      ['V', 'u32'],
      ['ld', 'u32'],
      ['targetOffset', 'u32'],
      ['scale', 'f32'],
    ],
  },
  grad_norm: {
    shader: 'grad_norm',
    layout: 'read_rw',
    bindings: ['read', 'rw'],
    uniforms: [['count4', 'u32']],
  },
  adam: {
    shader: 'adam',
    layout: 'adam',
    bindings: ['uniform', 'rw', 'read', 'rw', 'rw', 'read', 'read', 'read', 'rw'],
    uniforms: [
      ['count4', 'u32'],
      ['partialCount', 'u32'],
      ['lossRows', 'u32'],
    ],
  },
  loss_sum: {
    shader: 'loss_sum',
    layout: 'read_rw',
    bindings: ['read', 'rw'],
    uniforms: [
      ['rows', 'u32'],
      ['slot', 'u32'],
    ],
  },
  sample: {
    shader: 'sample',
    layout: 'read_read_rw',
    bindings: ['read', 'read', 'rw'],
    uniforms: [
      ['V', 'u32'],
      ['logitsOffset', 'u32'],
      ['position', 'u32'],
      ['topK', 'u32'],
      ['temperature', 'f32'],
    ],
  },
} as const satisfies Record<string, KernelSpec>;

export type KernelName = keyof typeof KERNELS;
export type Constants = Record<string, boolean | number>;

/** Bytes of the uniform block every dispatch binds (all structs fit in 64). */
export const UNIFORM_BINDING_SIZE = 64;

/** Builds pipelines and bind-group layouts once and hands out cached ones. */
export class KernelLibrary {
  private readonly layouts = new Map<string, GPUBindGroupLayout>();
  private readonly pipelineLayouts = new Map<string, GPUPipelineLayout>();
  private readonly modules = new Map<ShaderName, GPUShaderModule>();
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
              kind === 'uniform' ? 'uniform' : kind === 'read' ? 'read-only-storage' : 'storage',
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
    const key = `${spec.shader}|${names.map((n) => `${n}=${String(constants[n])}`).join(',')}`;
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      let module = this.modules.get(spec.shader);
      if (!module) {
        module = this.resources.shaderModule({
          label: `shader:${spec.shader}`,
          code: SHADER_SOURCES[spec.shader],
        });
        this.modules.set(spec.shader, module);
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
