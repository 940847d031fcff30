// Timing GPU work, for the autotune (autotune.ts) and the roofline
// (roofline.ts). With the adapter's 'timestamp-query' feature the time is the
// GPU's, from the start to the end of the measured compute pass; without it
// (or when the timestamps come back unusable, e.g. quantised to zero) it is
// the wall time from submit to onSubmittedWorkDone, which adds the submit's
// own latency — callers repeat short work inside one submit to amortise it.
// Browsers quantise timestamps (to 100 µs in Chrome), so the same applies there.
//
// Dimension legend: none (times in milliseconds).

import type { Program } from './program';
import type { GpuResources } from './resources';

export type TimingMethod = 'timestamp' | 'wall';

export class GpuTimer {
  method: TimingMethod;
  private readonly querySet: GPUQuerySet | null = null;
  private readonly resolveBuffer: GPUBuffer | null = null;
  private readonly readBuffer: GPUBuffer | null = null;

  constructor(private readonly resources: GpuResources) {
    const device = resources.device;
    this.method = device.features.has('timestamp-query') ? 'timestamp' : 'wall';
    if (this.method === 'timestamp') {
      this.querySet = device.createQuerySet({ label: 'timer', type: 'timestamp', count: 2 });
      this.resolveBuffer = resources.buffer(
        'timer resolve (2 × u64)',
        16,
        GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC,
      );
      this.readBuffer = resources.buffer(
        'timer read (2 × u64)',
        16,
        GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      );
    }
  }

  /**
   * Milliseconds one use of `program` takes. `before`, if given, is encoded
   * ahead of the program in the same submit and not timed (e.g. clearing
   * the buffers a kernel reads), which only the timestamp method can exclude;
   * the wall method submits it separately first.
   */
  async time(program: Program, before?: (encoder: GPUCommandEncoder) => void): Promise<number> {
    const device = this.resources.device;
    if (this.method === 'timestamp' && this.querySet) {
      const encoder = device.createCommandEncoder({ label: `time ${program.label}` });
      before?.(encoder);
      program.encode(encoder, {
        querySet: this.querySet,
        beginningOfPassWriteIndex: 0,
        endOfPassWriteIndex: 1,
      });
      encoder.resolveQuerySet(this.querySet, 0, 2, this.resolveBuffer!, 0);
      encoder.copyBufferToBuffer(this.resolveBuffer!, 0, this.readBuffer!, 0, 16);
      const t0 = performance.now();
      device.queue.submit([encoder.finish()]);
      await this.readBuffer!.mapAsync(GPUMapMode.READ);
      const wall = performance.now() - t0;
      const stamps = new BigInt64Array(this.readBuffer!.getMappedRange().slice(0));
      this.readBuffer!.unmap();
      const ms = Number(stamps[1] - stamps[0]) / 1e6;
      // Unusable stamps (zero, negative, or longer than the whole round trip): fall back for good.
      if (ms > 0 && ms <= wall + 1) return ms;
      this.method = 'wall';
      return wall;
    }
    if (before) {
      const encoder = device.createCommandEncoder({ label: 'before timing' });
      before(encoder);
      device.queue.submit([encoder.finish()]);
    }
    await device.queue.onSubmittedWorkDone();
    const encoder = device.createCommandEncoder({ label: `time ${program.label}` });
    program.encode(encoder);
    const t0 = performance.now();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    return performance.now() - t0;
  }

  dispose(): void {
    this.querySet?.destroy();
    if (this.resolveBuffer) this.resources.release(this.resolveBuffer);
    if (this.readBuffer) this.resources.release(this.readBuffer);
  }
}
