// When the GPU fails mid-run (a lost device, a WebGPU error), the session's
// run goes on on the CPU: from the latest checkpoint taken of it (the
// autosave takes one every 5 s while training, and pause and export take
// one too), restored exactly, or as a fresh model when there is none yet;
// training goes on if it was, and the page is told which. A lost device
// does not come back, so every later model of the session goes to the CPU.
//
// Dimension legend: none (see session.ts for the model's).

import { messageOf } from '../engine/errorMessage';
import { DivergedError } from '../engine/training/divergence';
import type { Trainer } from '../engine/training/trainer';
import { loadCheckpoint } from '../io';
import type { EngineMessage } from './protocol';
import type { LoadedSeries } from './forecastData';
import type { TaskQueue } from './queue';
import { resumeFrom, type LoadedCorpus, type ModelStart, type RunIdentity } from './session';

/** What the fallback needs of the session. */
export interface FallbackSession {
  readonly trainer: Trainer | null;
  readonly corpus: LoadedCorpus | null;
  /** The series in use (a forecast's data, in place of a text). */
  readonly series: LoadedSeries | null;
  readonly run: RunIdentity;
  rebuild(start?: ModelStart): Promise<void>;
  /** Disposes the model in use and tells the page nothing can train. */
  abandonModel(): Promise<void>;
}

export class GpuFallback {
  /** Why the GPU failed at run time, once it has: later models go to the CPU directly. */
  failure: string | undefined;
  /** The latest checkpoint taken of the run in training: at most the steps since it are lost. */
  private lastCheckpoint: { runId: string; step: number; bytes: Uint8Array } | null = null;

  constructor(
    private readonly session: FallbackSession,
    private readonly post: (message: EngineMessage) => void,
    /** Where the rebuild runs, in order with the page's commands. */
    private readonly queue: TaskQueue,
  ) {}

  remember(checkpoint: { runId: string; step: number; bytes: Uint8Array }): void {
    this.lastCheckpoint = checkpoint;
  }

  /**
   * Takes the run over when `failed` (the model in use) failed on the GPU
   * for the GPU's sake (divergence is the model's fault, not the device's);
   * returns false, doing nothing, otherwise.
   */
  takeOver(failed: Trainer, error: unknown, wasTraining: boolean): boolean {
    const gpuFault = failed.backend.info.kind === 'webgpu' && !(error instanceof DivergedError);
    if (!gpuFault || this.session.trainer !== failed) return false;
    const failure = `the GPU failed during training (${messageOf(error)})`;
    this.failure = failure;
    this.queue.enqueue(async () => {
      // A command queued before this one may have replaced the model already.
      if (this.session.trainer !== failed) return;
      let resumedAt: number | null;
      try {
        resumedAt = await this.continueOnCpu();
      } catch (error) {
        await this.session.abandonModel();
        const message = `${failure}; the run cannot go on on the CPU: ${messageOf(error)}`;
        this.post({ type: 'error', message });
        return;
      }
      this.post({
        type: 'error',
        message:
          resumedAt === null
            ? `${failure}; no checkpoint of this run was taken yet, so a fresh model trains on the CPU`
            : `${failure}; the run goes on on the CPU from its last checkpoint, step ${resumedAt}`,
      });
      if (wasTraining) this.session.trainer?.start();
    });
    return true;
  }

  /**
   * The run's latest checkpoint, restored exactly, or a fresh model when
   * there is none (`failure` is set, so the rebuild picks the CPU). Returns
   * the step it resumed at, or null for a fresh model.
   */
  private async continueOnCpu(): Promise<number | null> {
    const saved = this.lastCheckpoint;
    const { session } = this;
    if (!saved || saved.runId !== session.run.id || (!session.corpus && !session.series)) {
      await session.rebuild();
      return null;
    }
    const snapshot = loadCheckpoint(saved.bytes, {
      file: 'the last checkpoint',
      requireCheckpoint: true,
    });
    if (snapshot.kind !== 'checkpoint')
      throw new Error('the last checkpoint holds no training state');
    await session.rebuild(resumeFrom(snapshot, session.run));
    return saved.step;
  }
}
