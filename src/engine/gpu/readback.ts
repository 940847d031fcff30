// Losses come back from the GPU in batches, never inside the training loop:
// adam.wgsl writes [mean loss, grad norm, non-finite flag] of step s into
// slot (s − 1) mod R of the loss log (the flag equals s when the weights
// were not all finite after step s); every few steps the new slots are copied, in the step's own
// command encoder, into one of a small ring of staging buffers and mapped
// asynchronously. drain() waits for whatever is still on its way.
//
// Dimension legend: R = LOSS_LOG_SLOTS, W = LOSS_LOG_WORDS (u32 per slot).

import type { StepLoss } from '../backend';
import { LOSS_LOG_SLOTS, LOSS_LOG_WORDS } from './arena';
import type { GpuResources } from './resources';

interface Staging {
  buffer: GPUBuffer;
  busy: boolean;
}

const SLOT_BYTES = LOSS_LOG_WORDS * 4;

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
    private readonly lossLog: GPUBuffer, // (R, W) u32
    private readonly every = 8,
    stagingBuffers = 4,
  ) {
    this.ring = Array.from({ length: stagingBuffers }, (_, i) => ({
      buffer: resources.buffer(
        `lossStaging${i} (R,W)`,
        LOSS_LOG_SLOTS * SLOT_BYTES,
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
    const bytes = SLOT_BYTES;
    encoder.copyBufferToBuffer(this.lossLog, first * bytes, staging.buffer, 0, head * bytes);
    if (head < pending) {
      encoder.copyBufferToBuffer(
        this.lossLog,
        0,
        staging.buffer,
        head * bytes,
        (pending - head) * bytes,
      );
    }
    staging.busy = true;
    this.copied = lastStep;
    return () => this.map({ from, to: lastStep, staging, done: Promise.resolve() });
  }

  private map(entry: InFlight): void {
    const { staging, from, to } = entry;
    const bytes = (to - from + 1) * SLOT_BYTES;
    entry.done = staging.buffer.mapAsync(GPUMapMode.READ, 0, bytes).then(
      () => {
        const range = staging.buffer.getMappedRange(0, bytes);
        const floats = new Float32Array(range);
        const words = new Uint32Array(range);
        for (let s = from; s <= to; s++) {
          const at = LOSS_LOG_WORDS * (s - from);
          this.finished.push({
            step: s,
            loss: floats[at],
            gradNorm: floats[at + 1],
            weightsFinite: words[at + 2] !== s,
          });
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

  /**
   * Forgets steps whose losses will never be read (after setParams resets the
   * count, or a rollback): the copies in flight land first, and the losses
   * read but not yet drained of steps after `step` are dropped. Returns those
   * up to `step`, which still belong to the caller.
   */
  async reset(step: number): Promise<StepLoss[]> {
    const kept = (await this.drain()).filter((l) => l.step <= step);
    this.copied = step;
    return kept;
  }

  /** The last step whose loss has been copied out of the log (or is being copied). */
  get copiedThrough(): number {
    return this.copied;
  }
}
