// Reading buffers back to the host. Staging buffers are pooled by size so
// periodic reads (validation loss, snapshots) stop creating GPU objects after
// the first use.
//
// Dimension legend: none (byte ranges of any buffer; shapes are the callers').

import type { GpuResources } from './resources';

export class StagingPool {
  private readonly free = new Map<number, GPUBuffer[]>();

  constructor(private readonly resources: GpuResources) {}

  private take(bytes: number): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 16) * 16);
    const list = this.free.get(size);
    if (list && list.length > 0) return list.pop()!;
    return this.resources.buffer(
      `staging ${size} B`,
      size,
      GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
    );
  }

  private give(buffer: GPUBuffer): void {
    const list = this.free.get(buffer.size) ?? [];
    list.push(buffer);
    this.free.set(buffer.size, list);
  }

  /**
   * Copies byte ranges of buffers into one staging buffer, after everything
   * already submitted, and resolves with each range's bytes.
   */
  async read(
    device: GPUDevice,
    ranges: { buffer: GPUBuffer; offset: number; bytes: number }[],
  ): Promise<ArrayBuffer[]> {
    const total = ranges.reduce((n, r) => n + Math.ceil(r.bytes / 4) * 4, 0);
    const staging = this.take(total);
    const enc = device.createCommandEncoder({ label: 'readback' });
    let at = 0;
    const starts: number[] = [];
    for (const r of ranges) {
      starts.push(at);
      if (r.bytes > 0) enc.copyBufferToBuffer(r.buffer, r.offset, staging, at, r.bytes);
      at += Math.ceil(r.bytes / 4) * 4;
    }
    device.queue.submit([enc.finish()]);
    try {
      await staging.mapAsync(GPUMapMode.READ, 0, Math.max(4, total));
      const mapped = staging.getMappedRange(0, Math.max(4, total));
      const out = ranges.map((r, i) => mapped.slice(starts[i], starts[i] + r.bytes));
      staging.unmap();
      this.give(staging);
      return out;
    } catch (error) {
      this.resources.release(staging);
      throw error;
    }
  }
}
