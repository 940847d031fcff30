// Every GPU object the engine creates goes through here: it gets a label (so
// validation errors and captures name it) and is counted, so tests can prove
// that nothing is created per training step, and the benchmark can report the
// GPU memory the engine holds (the sum of its live buffers' sizes).
//
// Dimension legend: none (sizes in bytes).

export interface ObjectCounts {
  buffers: number;
  bindGroups: number;
  bindGroupLayouts: number;
  pipelines: number;
  shaderModules: number;
}

export class GpuResources {
  readonly counts: ObjectCounts = {
    buffers: 0,
    bindGroups: 0,
    bindGroupLayouts: 0,
    pipelines: 0,
    shaderModules: 0,
  };
  private readonly owned = new Set<GPUBuffer>();
  private liveBytes = 0;

  constructor(readonly device: GPUDevice) {}

  buffer(label: string, size: number, usage: GPUBufferUsageFlags): GPUBuffer {
    this.counts.buffers++;
    // WebGPU wants sizes in multiples of 4; never allocate zero bytes.
    const buffer = this.device.createBuffer({ label, size: Math.max(16, align(size, 16)), usage });
    this.owned.add(buffer);
    this.liveBytes += buffer.size;
    return buffer;
  }

  /** A storage buffer (also copy source and destination) of `floats` 4-byte elements. */
  storage(label: string, floats: number): GPUBuffer {
    const usage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    return this.buffer(label, floats * 4, usage);
  }

  release(buffer: GPUBuffer): void {
    if (this.owned.delete(buffer)) {
      this.liveBytes -= buffer.size;
      buffer.destroy();
    }
  }

  /** Bytes of every buffer created here and not yet released (uniforms and staging included). */
  get bytes(): number {
    return this.liveBytes;
  }

  bindGroup(descriptor: GPUBindGroupDescriptor): GPUBindGroup {
    this.counts.bindGroups++;
    return this.device.createBindGroup(descriptor);
  }

  bindGroupLayout(descriptor: GPUBindGroupLayoutDescriptor): GPUBindGroupLayout {
    this.counts.bindGroupLayouts++;
    return this.device.createBindGroupLayout(descriptor);
  }

  pipeline(descriptor: GPUComputePipelineDescriptor): GPUComputePipeline {
    this.counts.pipelines++;
    return this.device.createComputePipeline(descriptor);
  }

  shaderModule(descriptor: GPUShaderModuleDescriptor): GPUShaderModule {
    this.counts.shaderModules++;
    return this.device.createShaderModule(descriptor);
  }

  snapshot(): ObjectCounts {
    return { ...this.counts };
  }

  destroyAll(): void {
    for (const buffer of this.owned) buffer.destroy();
    this.owned.clear();
    this.liveBytes = 0;
  }
}

export function align(n: number, to: number): number {
  return Math.ceil(n / to) * to;
}
