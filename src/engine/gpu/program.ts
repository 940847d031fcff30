// A Program is a recorded list of GPU commands (dispatches, copies, clears)
// for one job and one shape — "training step, T=64, B=32" — built once and
// re-encoded on every use. Its dispatch parameters live in one uniform buffer,
// one 256-byte slot per dispatch, selected by dynamic offset, so re-encoding
// creates no GPU object: only a command encoder, which WebGPU makes per use.
//
// Dimension legend: none here (shapes live in the dispatches' uniforms).

import {
  KERNELS,
  type Constants,
  type KernelLibrary,
  type KernelName,
  type KernelSpec,
} from './kernels';
import { UNIFORM_BINDING_SIZE, packUniforms } from './uniforms';

export interface DispatchSpec {
  kernel: KernelName;
  constants?: Constants;
  /** Values of the kernel's uniform fields, by name. */
  uniforms: Record<string, number>;
  /** Buffers for bindings 1..n, in the kernel's order. */
  buffers: GPUBuffer[];
  /** Workgroup counts (x, y, z). */
  workgroups: readonly number[];
}

type Command =
  | {
      kind: 'dispatch';
      pipeline: GPUComputePipeline;
      bindGroup: GPUBindGroup;
      offset: number;
      workgroups: readonly number[];
    }
  | {
      kind: 'copy';
      src: GPUBuffer;
      srcOffset: number;
      dst: GPUBuffer;
      dstOffset: number;
      size: number;
    }
  | { kind: 'clear'; buffer: GPUBuffer; offset: number; size: number };

const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** Splits a 1-D workgroup count into (x, y) within the per-dimension limit; shaders linearise. */
export function grid(workgroups: number): [number, number] {
  if (workgroups <= MAX_WORKGROUPS_PER_DIMENSION) return [Math.max(1, workgroups), 1];
  const y = Math.ceil(workgroups / MAX_WORKGROUPS_PER_DIMENSION);
  return [Math.ceil(workgroups / y), y];
}

/** Workgroups for (column blocks, rows): rows spill from y into z past the per-dimension limit. */
export function rowsGrid(columnBlocks: number, rows: number): [number, number, number] {
  const [y, z] = grid(rows);
  return [Math.max(1, columnBlocks), y, z];
}

const bufferIds = new WeakMap<GPUBuffer, number>();
let nextBufferId = 1;
function bufferId(buffer: GPUBuffer): number {
  let id = bufferIds.get(buffer);
  if (id === undefined) {
    id = nextBufferId++;
    bufferIds.set(buffer, id);
  }
  return id;
}

/** What the pass recorders need: ProgramBuilder, or a collector that only looks. */
export interface Recorder {
  dispatch(spec: DispatchSpec): unknown;
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): unknown;
  clear(buffer: GPUBuffer, offset: number, size: number): unknown;
}

export class ProgramBuilder implements Recorder {
  private readonly commands: Command[] = [];
  private readonly pending: {
    kernel: KernelName;
    uniforms: Record<string, number>;
    buffers: GPUBuffer[];
  }[] = [];
  private readonly slotOf = new Map<number, number>();

  constructor(
    private readonly kernels: KernelLibrary,
    readonly label: string,
  ) {}

  dispatch(spec: DispatchSpec): this {
    const kernel: KernelSpec = KERNELS[spec.kernel];
    if (spec.buffers.length !== kernel.bindings.length) {
      throw new Error(
        `${spec.kernel} takes ${kernel.bindings.length} buffers, got ${spec.buffers.length}`,
      );
    }
    for (const [name] of kernel.uniforms.fields) {
      if (!(name in spec.uniforms)) throw new Error(`${spec.kernel}: uniform ${name} missing`);
    }
    if (spec.workgroups.some((n) => !(n >= 1 && n <= MAX_WORKGROUPS_PER_DIMENSION))) {
      throw new Error(
        `${spec.kernel}: workgroup counts out of range: ${spec.workgroups.join('×')}`,
      );
    }
    this.slotOf.set(this.commands.length, this.pending.length);
    this.pending.push({ kernel: spec.kernel, uniforms: spec.uniforms, buffers: spec.buffers });
    this.commands.push({
      kind: 'dispatch',
      pipeline: this.kernels.pipeline(spec.kernel, spec.constants),
      // Filled in by build(), once the uniform buffer exists.
      bindGroup: undefined as unknown as GPUBindGroup,
      offset: 0,
      workgroups: spec.workgroups,
    });
    return this;
  }

  /** Copies `size` bytes between buffers (offsets in bytes, multiples of 4). */
  copy(src: GPUBuffer, srcOffset: number, dst: GPUBuffer, dstOffset: number, size: number): this {
    if (size > 0) this.commands.push({ kind: 'copy', src, srcOffset, dst, dstOffset, size });
    return this;
  }

  /** Zeroes `size` bytes (offset and size multiples of 4). */
  clear(buffer: GPUBuffer, offset: number, size: number): this {
    if (size > 0) this.commands.push({ kind: 'clear', buffer, offset, size });
    return this;
  }

  build(): Program {
    const resources = this.kernels.resources;
    const slot = Math.max(256, resources.device.limits.minUniformBufferOffsetAlignment);
    const bytes = Math.max(1, this.pending.length) * slot;
    const uniformBuffer = resources.buffer(
      `${this.label}:uniforms`,
      bytes,
      GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST,
    );
    const data = new ArrayBuffer(bytes);
    const view = new DataView(data);
    const bindGroups = new Map<string, GPUBindGroup>();
    this.commands.forEach((command, index) => {
      if (command.kind !== 'dispatch') return;
      const at = this.slotOf.get(index)!;
      const { kernel, uniforms, buffers } = this.pending[at];
      const spec: KernelSpec = KERNELS[kernel];
      packUniforms(view, at * slot, spec.uniforms, uniforms, kernel);
      const layoutName = spec.layout;
      const key = `${layoutName}|${buffers.map(bufferId).join(',')}`;
      let bindGroup = bindGroups.get(key);
      if (!bindGroup) {
        bindGroup = resources.bindGroup({
          label: `${this.label}:${kernel}#${bindGroups.size}`,
          layout: this.kernels.layout(kernel),
          entries: [
            { binding: 0, resource: { buffer: uniformBuffer, size: UNIFORM_BINDING_SIZE } },
            ...buffers.map((buffer, i) => ({ binding: i + 1, resource: { buffer } })),
          ],
        });
        bindGroups.set(key, bindGroup);
      }
      command.bindGroup = bindGroup;
      command.offset = at * slot;
    });
    resources.device.queue.writeBuffer(uniformBuffer, 0, data);
    return new Program(this.label, this.commands, uniformBuffer, this.pending.length);
  }
}

export class Program {
  constructor(
    readonly label: string,
    private readonly commands: readonly Command[],
    readonly uniformBuffer: GPUBuffer,
    /** Compute dispatches per use of the program. */
    readonly dispatchCount: number,
  ) {}

  /**
   * Records the program into an encoder: dispatches in runs of one compute
   * pass. `timestampWrites` goes to the first pass (the autotune times
   * programs made of dispatches only, which are one pass).
   */
  encode(encoder: GPUCommandEncoder, timestampWrites?: GPUComputePassTimestampWrites): void {
    let pass: GPUComputePassEncoder | null = null;
    let current: GPUComputePipeline | null = null;
    let stamps = timestampWrites;
    for (const command of this.commands) {
      if (command.kind === 'dispatch') {
        if (!pass) {
          pass = encoder.beginComputePass(
            stamps ? { label: this.label, timestampWrites: stamps } : { label: this.label },
          );
          stamps = undefined;
          current = null;
        }
        if (command.pipeline !== current) {
          pass.setPipeline(command.pipeline);
          current = command.pipeline;
        }
        pass.setBindGroup(0, command.bindGroup, [command.offset]);
        const [x, y = 1, z = 1] = command.workgroups;
        pass.dispatchWorkgroups(x, y, z);
        continue;
      }
      if (pass) {
        pass.end();
        pass = null;
      }
      if (command.kind === 'copy') {
        encoder.copyBufferToBuffer(
          command.src,
          command.srcOffset,
          command.dst,
          command.dstOffset,
          command.size,
        );
      } else {
        encoder.clearBuffer(command.buffer, command.offset, command.size);
      }
    }
    pass?.end();
  }
}
