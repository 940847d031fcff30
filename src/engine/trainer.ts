// The training loop around one Backend: it takes windows from the batcher,
// runs training steps, validates every few steps, measures losses and
// tokens per second, takes throttled gate snapshots (Backend.probe) and
// streams samples, all interleaved on one serial loop. Only this loop touches
// the backend, so a GPU backend never sees two operations racing each other.
// Commands (train, pause, sample, ...) only set flags and wake the loop.
//
// Divergence is survived: every `snapshotEvery` steps the backend copies its
// training state into one of two in-memory slots (on the device, for the
// GPU), and the trainer remembers the stream position and epoch that go with
// it. A snapshot is known good once the losses of the steps after it came
// back finite. A non-finite loss, gradient norm or weights flag rolls the run
// back to the newest known-good snapshot before the first bad state, halves
// the learning rate, says so ('rollback' message) and trains on; a third
// rollback in a row without getting past the snapshot stops training
// (DivergedError), leaving the rolled-back model in place.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers; P length of the probe text.

import type { Backend, Batch, Sampler, StepLoss } from './backend';
import { Batcher, validationBatches, type BatcherPosition, type Split } from './batcher';
import type { OptimizerConfig, TrainConfig } from './config';
import type { EngineMessage, SampleRequest } from '../worker/protocol';
import { checkPrime, checkSampleNumbers, SampleRequestError } from './sampleRequest';
import { probeSnapshot } from './snapshot';
import { ThroughputMeter } from './throughput';
import { CorpusError, normalizeText, type Vocabulary } from './tokenizer';

/** The loss became NaN or infinite: the model's fault (learning rate), not the device's. */
export class DivergedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DivergedError';
  }
}

/** Rollbacks in a row (no snapshot confirmed past the last one's target) before training stops. */
export const MAX_ROLLBACKS_IN_A_ROW = 3;

/** What a snapshot slot of the backend holds, beyond the backend's own state. */
interface SnapshotMark {
  step: number;
  epoch: number;
  /** The batcher's position after the snapshot's step: where its next window comes from. */
  position: BatcherPosition;
}

interface Divergence {
  step: number;
  problem: string;
  /**
   * The first state known bad. A non-finite loss or norm at step s condemns
   * the state after step s − 1 (the one the step started from: replaying its
   * window from there, at any learning rate, gives the same loss);
   * non-finite weights condemn the state after step s.
   */
  firstBadState: number;
}

/** What went wrong first in a step's results: the loss, the gradient norm or the weights. */
function divergenceIn(l: StepLoss): Divergence | null {
  const { step } = l;
  if (!Number.isFinite(l.loss)) return { step, problem: `loss ${l.loss}`, firstBadState: step - 1 };
  if (!Number.isFinite(l.gradNorm))
    return { step, problem: `gradient norm ${l.gradNorm}`, firstBadState: step - 1 };
  if (!l.weightsFinite) return { step, problem: 'weights NaN or infinite', firstBadState: step };
  return null;
}

export interface TrainerOptions {
  /** Validate after every this many steps (and once before the first step). */
  validateEvery: number;
  /** At most this many windows per stream in a validation run, to keep it short. */
  maxValidationWindows: number;
  /** Least time between two gate snapshots while training. */
  probeIntervalMs: number;
  /** Least time between two metrics messages. */
  metricsIntervalMs: number;
  /** Longest stretch of queued steps before the loop waits for losses and yields. */
  tickBudgetMs: number;
  /**
   * Take an in-memory snapshot (for rollback after divergence) at least this
   * many steps after the previous one, once that one is known good (default 25).
   */
  snapshotEvery?: number;
}

export const DEFAULT_TRAINER_OPTIONS: TrainerOptions = {
  validateEvery: 25,
  maxValidationWindows: 4,
  probeIntervalMs: 800,
  metricsIntervalMs: 250,
  tickBudgetMs: 24,
  snapshotEvery: 25,
};

/** Most steps a GPU backend may have in flight before the loop waits for their losses. */
const MAX_QUEUED_STEPS = 8;
/**
 * Fewer when steps are slow: the steps in flight must finish before Pause
 * takes effect and before a sample or snapshot gets its turn.
 */
const IN_FLIGHT_MS = 80;

/** Where a run stands beyond the backend's own state: kept in checkpoints for the UI. */
export interface TrainerProgress {
  epoch: number;
  /** Time spent training (pauses excluded). */
  elapsedMs: number;
}

interface ExclusiveJob {
  run: (backend: Backend, batcher: Batcher) => Promise<unknown>;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

interface SampleJob {
  request: SampleRequest;
  prime: Int32Array;
  sampler?: Sampler;
  remaining: number;
  /** Adapted so one chunk takes a few milliseconds on this backend. */
  chunk: number;
}

export class Trainer {
  private readonly batcher: Batcher;
  private readonly validation: Batch[];
  private readonly throughput: ThroughputMeter;
  private optimizer: OptimizerConfig;

  private training = false;
  private stepsRequested = 0;
  private loopDone: Promise<void> | null = null;
  private disposed = false;

  private epoch = 0;
  private lastLossStep = 0;
  private lastValidationStep = -1;
  private pendingTrain: number[] = [];
  private pendingValidation: number[] = [];
  private lastMetricsAt = 0;
  private metricsDirty = false;
  private trainingMs = 0;
  private runStartedAt = 0;

  private probeText = '';
  private probeDirty = false;
  private lastProbeAt = -Infinity;
  private lastProbeStep = -1;

  private job: SampleJob | null = null;
  /** The job whose chunk is being generated: its sampler is disposed once that chunk is back. */
  private generating: SampleJob | null = null;
  private exclusiveJobs: ExclusiveJob[] = [];

  /** The backend's snapshot slots, oldest first (at most two). */
  private snapshots: SnapshotMark[] = [];
  private rollbacksInARow = 0;
  /** The step the last rollback returned to (-1: none yet). */
  private lastRollbackTo = -1;

  constructor(
    readonly backend: Backend,
    private readonly vocab: Vocabulary,
    split: Split,
    train: TrainConfig,
    private readonly emit: (message: EngineMessage) => void,
    /**
     * Called when a backend operation fails; the trainer has stopped itself.
     * `wasTraining` says whether it was running (not paused) when it failed.
     */
    private readonly onFailure: (error: unknown, wasTraining: boolean) => void,
    private readonly options: TrainerOptions = DEFAULT_TRAINER_OPTIONS,
  ) {
    this.batcher = new Batcher(split.train, train.batchSize, train.seqLen, train.seed);
    this.validation = validationBatches(
      split.validation,
      train.batchSize,
      train.seqLen,
      options.maxValidationWindows,
    );
    this.throughput = new ThroughputMeter(train.batchSize * train.seqLen);
    this.optimizer = train.optimizer;
  }

  /**
   * Measures the step-0 validation loss (and takes the first snapshot) at once:
   * the curve starts at the untrained model, about ln V, before training begins.
   * Called once the page knows about this model.
   */
  begin(): void {
    this.wake();
  }

  get step(): number {
    return this.backend.step;
  }

  get isTraining(): boolean {
    return this.training;
  }

  start(): void {
    if (this.training || this.disposed) return;
    // A person pressing Train after a stop for divergence starts the count afresh.
    this.rollbacksInARow = 0;
    this.training = true;
    this.runStartedAt = performance.now();
    this.throughput.restart();
    this.emitStatus();
    this.wake();
  }

  pause(): void {
    if (!this.training) return;
    this.training = false;
    this.trainingMs += performance.now() - this.runStartedAt;
    this.emitStatus();
    // The loop finishes its tick, collects outstanding losses and takes a last snapshot.
    this.metricsDirty = true;
    this.wake();
  }

  /** One training step; ignored while training runs. */
  stepOnce(): void {
    if (this.training || this.disposed) return;
    this.stepsRequested++;
    this.wake();
  }

  setOptimizer(optimizer: OptimizerConfig): void {
    this.optimizer = optimizer;
  }

  /** The optimizer settings in use (the learning rate halves at each rollback). */
  get optimizerConfig(): OptimizerConfig {
    return this.optimizer;
  }

  setProbe(text: string): void {
    this.probeText = text;
    this.probeDirty = true;
    this.wake();
  }

  sample(request: SampleRequest): void {
    this.stopJob();
    try {
      checkSampleNumbers(request);
      checkPrime(request.prime);
    } catch (error) {
      this.emit({ type: 'sampleError', id: request.id, message: messageOf(error) });
      return;
    }
    const prime = normalizeText(request.prime);
    if (prime.length === 0) {
      this.emit({
        type: 'sampleError',
        id: request.id,
        message: 'the prime needs at least one character',
      });
      return;
    }
    const unknown = this.vocab.unknownChars(prime);
    if (unknown.length > 0) {
      const shown = unknown.slice(0, 5).map((c) => JSON.stringify(c));
      this.emit({
        type: 'sampleError',
        id: request.id,
        message: `the prime has characters the corpus never uses: ${shown.join(', ')}`,
      });
      return;
    }
    const ids = this.vocab.encode(prime);
    this.job = { request, prime: ids, remaining: request.length, chunk: 4 };
    this.wake();
  }

  stopSample(id: number): void {
    if (this.job?.request.id !== id) return;
    this.emit({ type: 'sample', id, text: '', done: true });
    this.stopJob();
  }

  get progress(): TrainerProgress {
    const running = this.training ? performance.now() - this.runStartedAt : 0;
    return { epoch: this.epoch, elapsedMs: this.trainingMs + running };
  }

  /**
   * Runs `run` on the serial loop between two ticks, when no training step is
   * in flight: what it reads (weights, moments, carried state, stream
   * position) describes one instant, and what it writes is what the next step
   * starts from. Checkpoints are taken and restored through here.
   */
  exclusive<T>(run: (backend: Backend, batcher: Batcher) => Promise<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new Error('this model was replaced'));
    return new Promise<T>((resolve, reject) => {
      this.exclusiveJobs.push({
        run,
        resolve: resolve as (value: unknown) => void,
        reject,
      });
      this.wake();
    });
  }

  /** After a checkpoint was restored: the run's epoch and training time go on from where they were. */
  restoreProgress(progress: TrainerProgress): void {
    this.epoch = progress.epoch;
    this.trainingMs = progress.elapsedMs;
  }

  /** Stops the loop, waits for it and frees the backend. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.training = false;
    await this.loopDone;
    for (const job of this.exclusiveJobs.splice(0))
      job.reject(new Error('this model was replaced'));
    try {
      this.stopJob();
      this.backend.dispose();
    } catch {
      // A backend that already failed (a lost device) may fail to free itself too;
      // nothing is left to do with it, and the next model must still be built.
    }
  }

  private stopJob(): void {
    const job = this.job;
    this.job = null;
    // A sampler still generating is disposed by its tick when the chunk is back, not under it.
    if (job !== this.generating) job?.sampler?.dispose();
  }

  private wake(): void {
    if (this.loopDone || this.disposed) return;
    this.loopDone = this.loop().finally(() => {
      this.loopDone = null;
    });
  }

  private hasWork(): boolean {
    return (
      this.training ||
      this.lastValidationStep < 0 ||
      this.stepsRequested > 0 ||
      this.job !== null ||
      this.probeDue() ||
      this.lastLossStep < this.backend.step ||
      this.metricsDirty ||
      this.exclusiveJobs.length > 0
    );
  }

  private async loop(): Promise<void> {
    try {
      while (!this.disposed && this.hasWork()) {
        await this.tick();
        await yieldToEvents();
      }
    } catch (error) {
      const wasTraining = this.training;
      this.training = false;
      this.stepsRequested = 0;
      this.stopJob();
      for (const job of this.exclusiveJobs.splice(0)) job.reject(error);
      this.onFailure(error, wasTraining);
    }
  }

  private async tick(): Promise<void> {
    // First, so a checkpoint requested on pause sees the model the person paused.
    await this.runExclusiveJobs();
    if (this.lastValidationStep < 0) await this.validate();
    if (this.training || this.stepsRequested > 0) await this.trainTick();
    // While training, the next tick collects these; once paused, every loss comes in.
    if (!this.training && this.lastLossStep < this.backend.step) await this.collectLosses();
    if (this.job) await this.sampleTick(this.job);
    if (this.probeDue()) await this.probeTick();
    const now = performance.now();
    if (
      this.metricsDirty &&
      (!this.training || now - this.lastMetricsAt >= this.options.metricsIntervalMs)
    ) {
      this.flushMetrics(now);
    }
  }

  private async runExclusiveJobs(): Promise<void> {
    while (this.exclusiveJobs.length > 0 && !this.disposed) {
      // Steps queued earlier (GPU) finish first; their losses are not lost, and a
      // divergence among them is rolled back before the job sees the model. (The job
      // stays queued until then, so a failure here rejects it with the rest.)
      if (this.lastLossStep < this.backend.step) await this.collectLosses();
      const job = this.exclusiveJobs.shift()!;
      try {
        job.resolve(await job.run(this.backend, this.batcher));
      } catch (error) {
        // The job's own failure (a bad file, full storage) is its caller's to report;
        // training goes on.
        job.reject(error);
      }
      // A job that replaced the state (a restored checkpoint) made the backend forget
      // its snapshots; their marks go too, and the next tick takes a fresh one.
      const kept = new Set(this.backend.snapshotSteps);
      this.snapshots = this.snapshots.filter((s) => kept.has(s.step));
    }
  }

  private async trainTick(): Promise<void> {
    const started = performance.now();
    const previousTickEnd = this.backend.step;
    // Two ticks' steps may be in flight (this one's and the one before): each gets half.
    const { stepMs } = this.throughput;
    const limit = stepMs > 0 ? Math.floor(IN_FLIGHT_MS / (2 * stepMs)) : 1;
    const maxQueued = Math.min(MAX_QUEUED_STEPS, Math.max(1, limit));
    let queued = 0;
    // The first snapshot (step 0, or the state a checkpoint restored) before any step.
    if (this.snapshots.length === 0) this.markSnapshot(this.backend.snapshot());
    do {
      const { batch, startsEpoch } = this.batcher.next();
      if (startsEpoch) {
        this.backend.resetState();
        if (this.backend.step > 0) this.epoch++;
      }
      const snapshotAfter = this.snapshotDue(this.backend.step + 1);
      this.backend.trainStep(batch, this.optimizer, snapshotAfter);
      if (snapshotAfter) this.markSnapshot(this.backend.step);
      queued++;
      if (this.stepsRequested > 0) this.stepsRequested--;
    } while (
      this.training &&
      !this.disposed &&
      // Stop at a validation step, so validation runs on exactly every N-th model.
      this.backend.step % this.options.validateEvery !== 0 &&
      queued < maxQueued &&
      performance.now() - started < this.options.tickBudgetMs
    );
    // Wait for the previous tick's steps only: this tick's keep the GPU busy meanwhile, and
    // their losses are on their way back. (The CPU backend has finished them all already.)
    this.backend.flushLosses();
    await this.collectLosses(previousTickEnd);
    this.throughput.recordTick(performance.now(), this.lastLossStep, this.training);
    const step = this.backend.step;
    if (
      Math.floor(step / this.options.validateEvery) >
      Math.floor(this.lastValidationStep / this.options.validateEvery)
    ) {
      await this.validate();
    }
  }

  /**
   * A new snapshot may replace the older slot only once the newer one is
   * known good (the loss after it came back finite), so one good snapshot
   * always exists while the next is being confirmed.
   */
  private snapshotDue(step: number): boolean {
    const newest = this.snapshots[this.snapshots.length - 1];
    return (
      newest !== undefined &&
      step - newest.step >= (this.options.snapshotEvery ?? 25) &&
      this.lastLossStep > newest.step
    );
  }

  private markSnapshot(step: number): void {
    this.snapshots.push({ step, epoch: this.epoch, position: this.batcher.getPosition() });
    if (this.snapshots.length > 2) this.snapshots.shift();
  }

  /** Takes in the losses read back so far, waiting for those of steps up to `through` (default all). */
  private async collectLosses(through?: number): Promise<void> {
    const losses = await this.backend.drainLosses(through);
    for (const l of losses) {
      const divergence = divergenceIn(l);
      if (divergence) {
        // The losses after it belong to the abandoned steps.
        await this.rollBack(divergence);
        return;
      }
      this.pendingTrain.push(l.step, l.loss);
      this.lastLossStep = l.step;
    }
    // The run got past the snapshot the last rollback returned to: the count starts over.
    const newest = this.snapshots[this.snapshots.length - 1];
    if (newest && newest.step > this.lastRollbackTo && this.lastLossStep > newest.step) {
      this.rollbacksInARow = 0;
    }
    // Steps with no loss to read (those before a restored checkpoint): a full drain that
    // brings nothing while paused means the losses are all in, so the loop can rest.
    const drainedAll = through === undefined || through >= this.backend.step;
    if (drainedAll && losses.length === 0 && !this.training) this.lastLossStep = this.backend.step;
    if (losses.length > 0) this.metricsDirty = true;
    if (this.training) this.throughput.recordLosses(performance.now(), this.lastLossStep);
  }

  /**
   * A step came back non-finite: back to the newest snapshot before the first
   * bad state (it is known good: every loss before this one was finite), with
   * half the learning rate.
   */
  private async rollBack({ step, problem, firstBadState }: Divergence): Promise<void> {
    const target = [...this.snapshots].reverse().find((s) => s.step < firstBadState);
    if (!target) {
      throw new DivergedError(
        `training diverged at step ${step} (${problem}): lower the learning rate, then Reset ` +
          'or resume the last good save from Saved runs (no good in-memory snapshot of this ' +
          'model was taken before it)',
      );
    }
    await this.backend.rollback(target.step);
    this.batcher.setPosition(target.position);
    this.epoch = target.epoch;
    this.snapshots = this.snapshots.filter((s) => s.step <= target.step);
    const before = this.optimizer.learningRate;
    this.optimizer = { ...this.optimizer, learningRate: before / 2 };
    this.pendingTrain = dropAfter(this.pendingTrain, target.step);
    this.pendingValidation = dropAfter(this.pendingValidation, target.step);
    this.lastValidationStep = Math.min(this.lastValidationStep, target.step);
    this.lastLossStep = target.step;
    this.lastProbeStep = -1;
    this.metricsDirty = true;
    this.throughput.restart();
    this.rollbacksInARow++;
    this.lastRollbackTo = target.step;
    const stop = this.rollbacksInARow >= MAX_ROLLBACKS_IN_A_ROW;
    const learningRate = this.optimizer.learningRate;
    const message =
      `training diverged at step ${step} (${problem}): rolled back to step ${target.step} ` +
      `and halved the learning rate, ${formatRate(before)} → ${formatRate(learningRate)}` +
      (stop ? '' : '; training goes on');
    this.emit({ type: 'rollback', fromStep: step, toStep: target.step, learningRate, message });
    if (stop) {
      throw new DivergedError(
        `training stopped: it diverged ${this.rollbacksInARow} times in a row without getting ` +
          `past step ${target.step}, even after halving the learning rate each time (now ` +
          `${formatRate(learningRate)}). The model is back at step ${target.step}; lower the ` +
          'learning rate or the clip norm, or Reset',
      );
    }
  }

  private async validate(): Promise<void> {
    this.lastValidationStep = this.backend.step;
    if (this.validation.length === 0) return;
    const loss = await this.backend.evaluate(this.validation);
    this.pendingValidation.push(this.backend.step, loss);
    this.metricsDirty = true;
  }

  private flushMetrics(now: number): void {
    this.lastMetricsAt = now;
    this.metricsDirty = false;
    this.emit({
      type: 'metrics',
      step: this.backend.step,
      epoch: this.epoch,
      elapsedMs: this.trainingMs + (this.training ? now - this.runStartedAt : 0),
      tokensPerSecond: this.throughput.tokensPerSecond,
      train: Float64Array.from(this.pendingTrain),
      validation: Float64Array.from(this.pendingValidation),
    });
    this.pendingTrain = [];
    this.pendingValidation = [];
    this.emitStatus();
  }

  private emitStatus(): void {
    this.emit({
      type: 'status',
      status: { ready: true, building: false, training: this.training, step: this.backend.step },
    });
  }

  private probeDue(): boolean {
    if (this.probeText.length === 0) return false;
    if (this.probeDirty) return true;
    return (
      this.backend.step !== this.lastProbeStep &&
      (!this.training || performance.now() - this.lastProbeAt >= this.options.probeIntervalMs)
    );
  }

  private async probeTick(): Promise<void> {
    this.probeDirty = false;
    this.lastProbeAt = performance.now();
    this.lastProbeStep = this.backend.step;
    this.emit(await probeSnapshot(this.backend, this.vocab, this.probeText));
  }

  private async sampleTick(job: SampleJob): Promise<void> {
    const { request } = job;
    try {
      job.sampler ??= this.backend.createSampler({
        prime: job.prime,
        temperature: request.temperature,
        topK: request.topK,
        seed: request.seed,
      });
    } catch (error) {
      // The request's fault (its arguments), not the device's: training goes on.
      if (!(error instanceof SampleRequestError)) throw error;
      this.emit({ type: 'sampleError', id: request.id, message: error.message });
      this.stopJob();
      return;
    }
    const count = Math.min(job.chunk, job.remaining);
    const started = performance.now();
    let ids: Int32Array;
    this.generating = job;
    try {
      ids = await job.sampler.next(count);
    } finally {
      this.generating = null;
      if (this.job !== job) job.sampler.dispose();
    }
    const took = performance.now() - started;
    // Aim each chunk at a share of a training step's time (at least ~16 ms): smooth
    // streaming beside fast steps, and not one character per step beside slow ones.
    const target = this.training ? Math.max(16, 0.5 * this.throughput.stepMs) : 16;
    if (took < target / 2 && job.chunk < 64) job.chunk *= 2;
    else if (took > 2 * target && job.chunk > 1) job.chunk = Math.max(1, job.chunk >> 1);
    if (this.job !== job) return; // stopped or replaced while generating
    job.remaining -= ids.length;
    const done = job.remaining <= 0 || ids.length === 0;
    this.emit({ type: 'sample', id: request.id, text: this.vocab.decode(ids), done });
    if (done) this.stopJob();
  }
}

/** (step, value) pairs with step ≤ `step`. */
function dropAfter(pairs: number[], step: number): number[] {
  const out: number[] = [];
  for (let k = 0; k + 1 < pairs.length; k += 2) {
    if (pairs[k] <= step) out.push(pairs[k], pairs[k + 1]);
  }
  return out;
}

function formatRate(x: number): string {
  return Number(x.toPrecision(3)).toString();
}

export function messageOf(error: unknown): string {
  if (error instanceof CorpusError) return error.message;
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * Lets queued messages (pause, new settings) run between ticks. A MessageChannel
 * round trip avoids the 4 ms clamp nested setTimeout calls get.
 */
function yieldToEvents(): Promise<void> {
  return new Promise((resolve) => {
    const channel = new MessageChannel();
    channel.port1.onmessage = () => {
      channel.port1.close();
      resolve();
    };
    channel.port2.postMessage(null);
  });
}
