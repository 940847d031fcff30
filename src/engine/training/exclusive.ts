// Exclusive access to the whole training state for the training loop: jobs
// (a checkpoint, an export, a restore) wait in order and run between two
// ticks, with no step in flight, so what a job reads (weights, moments,
// carried state, stream position) describes one instant, and what it writes
// is what the next step starts from.
//
// Dimension legend: none.

import type { Backend } from '../backend';
import type { BatchSource } from './data';

/** A job given the backend and the batcher to itself. */
export type ExclusiveRun<T> = (backend: Backend, batcher: BatchSource) => Promise<T>;

interface Job {
  run: ExclusiveRun<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class ExclusiveQueue {
  private jobs: Job[] = [];

  get pending(): boolean {
    return this.jobs.length > 0;
  }

  add<T>(run: ExclusiveRun<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.jobs.push({ run, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  /**
   * Runs the waiting jobs in order. `settle` brings the run to one instant
   * before each (the job stays queued meanwhile, so a failure there rejects
   * it with the rest); a job's own failure (a bad file, full storage) is its
   * caller's to report, and the loop goes on. `after` follows each job.
   */
  async runEach(
    backend: Backend,
    batcher: BatchSource,
    loop: { settle: () => Promise<void>; after: () => void; stopped: () => boolean },
  ): Promise<void> {
    while (this.jobs.length > 0 && !loop.stopped()) {
      await loop.settle();
      const job = this.jobs.shift()!;
      try {
        job.resolve(await job.run(backend, batcher));
      } catch (error) {
        job.reject(error);
      }
      loop.after();
    }
  }

  rejectAll(error: unknown): void {
    for (const job of this.jobs.splice(0)) job.reject(error);
  }
}
