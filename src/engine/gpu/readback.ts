// Losses come back from the GPU in batches, never inside the training loop:
// adam.wgsl writes [mean loss, grad norm] of step s into slot (s − 1) mod R of
// the loss log; every few steps the new slots are copied, in the step's own
// command encoder, into one of a small ring of staging buffers and mapped
// asynchronously. drain() waits for whatever is still on its way.
//
// Dimension legend: R = LOSS_LOG_SLOTS.

import type { StepLoss } from '../backend';
import { LOSS_LOG_SLOTS } from './arena';
import type { GpuResources } from './resources';

interface Staging {
  buffer: GPUBuffer;
  busy: boolean;
}

interface InFlight {
  from: number; // first step (1-based) in the copy
  to: number; // last step
  staging: Staging;
  done: Promise<void>;
}

export class LossReadback {
  private readonly ring: Staging[];
  private readonly inFlight: InFlight[] = [];
  private readonly finished: StepLoss[] = [];
  /** Steps up to this one have been copied out of the log. */
  private copied = 0;
  private failure: Error | null = null;

  constructor(
    resources: GpuResources,
    private readonly lossLog: GPUBuffer, // (R, 2)
    private readonly every = 8,
    stagingBuffers = 4,
  ) {
    this.ring = Array.from({ length: stagingBuffers }, (_, i) => ({
      buffer: resources.buffer(
        `lossStaging${i} (R,2)`,
        LOSS_LOG_SLOTS * 8,
        GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST,
      ),
      busy: false,
    }));
  }

  /** Throws when step `lastStep` would overwrite a slot not yet copied out. */
  ensureRoom(lastStep: number): void {
    if (lastStep - this.copied > LOSS_LOG_SLOTS) {
      throw new Error(
        `more than ${LOSS_LOG_SLOTS} training steps queued without their losses being read: ` +
          'await drainLosses() now and then',
      );
    }
  }

  /** Appends a copy of the new slots to `encoder` when due; returns a callback to run after submit. */
  maybeCopy(encoder: GPUCommandEncoder, lastStep: number, force = false): (() => void) | null {
    const pending = lastStep - this.copied;
    if (pending === 0 || (!force && pending < this.every)) return null;
    const staging = this.ring.find((s) => !s.busy);
    if (!staging) return null; // all mapped or mapping: copy a bigger range later
    const from = this.copied + 1;
    // Slots of steps from..lastStep, possibly wrapping around the ring.
    const first = (from - 1) % LOSS_LOG_SLOTS;
    const head = Math.min(pending, LOSS_LOG_SLOTS - first);
    encoder.copyBufferToBuffer(this.lossLog, first * 8, staging.buffer, 0, head * 8);
    if (head < pending)
      encoder.copyBufferToBuffer(this.lossLog, 0, staging.buffer, head * 8, (pending - head) * 8);
    staging.busy = true;
    this.copied = lastStep;
    return () => this.map({ from, to: lastStep, staging, done: Promise.resolve() });
  }

  private map(entry: InFlight): void {
    const { staging, from, to } = entry;
    entry.done = staging.buffer.mapAsync(GPUMapMode.READ, 0, (to - from + 1) * 8).then(
      () => {
        const data = new Float32Array(staging.buffer.getMappedRange(0, (to - from + 1) * 8));
        for (let s = from; s <= to; s++) {
          const at = 2 * (s - from);
          this.finished.push({ step: s, loss: data[at], gradNorm: data[at + 1] });
        }
        staging.buffer.unmap();
        staging.busy = false;
      },
      (error: unknown) => {
        staging.busy = false;
        this.failure ??= error instanceof Error ? error : new Error(String(error));
      },
    );
    this.inFlight.push(entry);
  }

  /**
   * Waits for the copies in flight that hold steps up to `through` (default:
   * all of them) and returns every loss read since the last call, which may
   * include later steps whose copies landed meanwhile.
   */
  async drain(through = Infinity): Promise<StepLoss[]> {
    while (this.inFlight.length > 0 && this.inFlight[0].from <= through) {
      const entry = this.inFlight.shift()!;
      await entry.done;
    }
    if (this.failure) {
      const failure = this.failure;
      this.failure = null;
      throw failure;
    }
    const out = this.finished.splice(0);
    out.sort((a, b) => a.step - b.step);
    return out;
  }

  /** Forgets steps whose losses will never be read (e.g. after setParams resets the count). */
  reset(step: number): void {
    this.copied = step;
  }

  /** The last step whose loss has been copied out of the log (or is being copied). */
  get copiedThrough(): number {
    return this.copied;
  }
}
