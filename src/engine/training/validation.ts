// Validation for the training loop: the validation windows (a few per stream,
// so a run stays short; the task's data bundle, data.ts, cuts them), measured once before the first step (the curve
// starts at the untrained model, about ln V) and after every `every`-th step.
//
// Dimension legend: B batch, T window.

import type { Backend, Batch } from '../backend';

export class Validation {
  private readonly batches: Batch[];
  /** The step of the last validation run (-1: none yet). */
  private lastStep = -1;
  private readonly every: number;

  constructor(
    /** The task's validation windows (data.ts TrainingData.validation). */
    batches: Batch[],
    validateEvery: number,
  ) {
    this.batches = batches;
    this.every = validateEvery;
  }

  /** The step-0 run is still owed. */
  get neverRan(): boolean {
    return this.lastStep < 0;
  }

  /** `step` is a validation step: the loop stops its run of queued steps there. */
  isValidationStep(step: number): boolean {
    return step % this.every === 0;
  }

  /** A validation step was passed since the last run. */
  dueAt(step: number): boolean {
    return Math.floor(step / this.every) > Math.floor(this.lastStep / this.every);
  }

  /** The validation loss of the model as it is now; null when the corpus has no validation part. */
  async run(backend: Backend): Promise<number | null> {
    this.lastStep = backend.step;
    if (this.batches.length === 0) return null;
    return backend.evaluate(this.batches);
  }

  /** After a rollback to `step`: runs past it are of abandoned models, and are due again. */
  rewind(step: number): void {
    this.lastStep = Math.min(this.lastStep, step);
  }
}
