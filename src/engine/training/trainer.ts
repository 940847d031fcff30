// The training loop around one Backend: the scheduler. One serial loop runs
// ticks; each tick gives the jobs their turn in a fixed order: exclusive
// access to the training state (exclusive.ts), training steps within a bound
// on steps in flight (steps.ts, which also validates, validation.ts, and
// survives divergence, divergence.ts), sampling (sampling.ts), gate
// snapshots with their diagnostics (probeSchedule.ts, diagnostics.ts) and
// loss reports (metrics.ts). Only this loop
// touches the backend, so a GPU backend never sees two operations racing
// each other. Commands (train, pause, sample, ...) only set state and wake
// the loop. What happens is told through TrainingEvents (events.ts): the
// engine knows nothing of who listens.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers; P length of the probe text.

import type { Backend } from '../backend';
import type { Split } from '../batcher';
import type { OptimizerConfig, RegularizationConfig, TrainConfig } from '../config';
import type { SampleRequest } from '../sampleRequest';
import type { Vocabulary } from '../tokenizer';
import type { LoopState, TrainingEvents } from './events';
import { isTrainingData, textData, type TrainingData } from './data';
import { Diagnostics } from './diagnostics';
import { EarlyStopping, type EarlyStoppingState } from './earlyStopping';
import { ExclusiveQueue, type ExclusiveRun } from './exclusive';
import { MetricsThrottle, TrainingClock } from './metrics';
import { DEFAULT_TRAINER_OPTIONS, type TrainerOptions, type TrainerProgress } from './options';
import { ProbeSchedule } from './probeSchedule';
import { SampleStream } from './sampling';
import { StepLoop } from './steps';
import { Validation } from './validation';

export class Trainer {
  private readonly clock = new TrainingClock();
  private readonly metrics: MetricsThrottle;
  private readonly validation: Validation;
  private readonly probes: ProbeSchedule;
  private readonly samples: SampleStream;
  private readonly exclusiveJobs = new ExclusiveQueue();
  private readonly steps: StepLoop;
  private readonly earlyStopping: EarlyStopping;
  private readonly stepTurn: () => boolean;

  private training = false;
  private stepsRequested = 0;
  private loopDone: Promise<void> | null = null;
  private disposed = false;

  /**
   * `data`: a text split (next-character prediction, over `vocab`) or a task's
   * ready bundle (data.ts: tagging, forecast), whose windows follow `train`'s B and T.
   */
  constructor(
    readonly backend: Backend,
    /** The text's vocabulary (a text split needs it); a task's bundle carries its own. */
    vocab: Vocabulary | null,
    data: Split | TrainingData,
    train: TrainConfig,
    private readonly events: TrainingEvents,
    options: TrainerOptions = DEFAULT_TRAINER_OPTIONS,
  ) {
    if (!isTrainingData(data) && !vocab) throw new Error('a text split needs its vocabulary');
    const bundle = isTrainingData(data) ? data : textData(vocab!, data, train, options);
    this.stepTurn = options.stepTurn ?? (() => true);
    this.metrics = new MetricsThrottle(options.metricsIntervalMs);
    this.validation = new Validation(bundle.validation, options.validateEvery);
    this.probes = new ProbeSchedule(
      bundle.probe,
      events,
      options.probeIntervalMs,
      options.probeShare,
      new Diagnostics(bundle.flowWindow, events, bundle.flowProblem),
      bundle.companion ?? null,
    );
    this.samples = new SampleStream(bundle.sampling, events);
    this.earlyStopping = new EarlyStopping((step) => this.validation.isValidationStep(step));
    this.steps = new StepLoop(
      backend,
      bundle.batches,
      {
        metrics: this.metrics,
        validation: this.validation,
        probes: this.probes,
        events,
        recall: bundle.recall ?? null,
        scores: bundle.scores ?? null,
        earlyStopping: this.earlyStopping,
        stopTraining: () => this.pause(),
      },
      () => this.training && !this.disposed,
      train,
      train.seed,
      options.tickBudgetMs,
      options.snapshotEvery,
    );
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
    this.steps.restart();
    this.training = true;
    this.clock.start(performance.now());
    this.events.state(this.state);
    this.wake();
  }

  pause(): void {
    if (!this.training) return;
    this.training = false;
    this.clock.stop(performance.now());
    this.events.state(this.state);
    // The loop finishes its tick, collects outstanding losses and reports them.
    this.metrics.dirty = true;
    this.wake();
  }

  /** One training step; ignored while training runs. */
  stepOnce(): void {
    if (this.training || this.disposed) return;
    this.stepsRequested++;
    this.wake();
  }

  setOptimizer(optimizer: OptimizerConfig): void {
    this.steps.optimizer = optimizer;
  }

  /** Dropout and early stopping, from the next step. */
  setRegularization(regularization: RegularizationConfig): void {
    this.steps.regularization = regularization;
  }

  get regularizationConfig(): RegularizationConfig {
    return this.steps.regularization;
  }

  /** The optimizer settings in use (the learning rate halves at each rollback). */
  get optimizerConfig(): OptimizerConfig {
    return this.steps.optimizer;
  }

  setProbe(text: string): void {
    this.probes.setText(text);
    this.wake();
  }

  /** Where a forecast's gate stretch starts (null: the first validation row). */
  setProbeRows(fromRow: number | null): void {
    this.probes.setFromRow(fromRow);
    this.wake();
  }

  sample(request: SampleRequest): void {
    this.samples.start(request);
    this.wake();
  }

  stopSample(id: number): void {
    this.samples.stopRequest(id);
  }

  get progress(): TrainerProgress {
    const elapsedMs = this.clock.elapsed(performance.now(), this.training);
    return { epoch: this.steps.epoch, elapsedMs };
  }

  /**
   * Runs `run` on the loop between two ticks, when no training step is in
   * flight (exclusive.ts). Checkpoints are taken and restored through here.
   */
  exclusive<T>(run: ExclusiveRun<T>): Promise<T> {
    if (this.disposed) return Promise.reject(new Error('this model was replaced'));
    const done = this.exclusiveJobs.add(run);
    this.wake();
    return done;
  }

  /** After a checkpoint was restored: the run's epoch and training time go on from where they were. */
  restoreProgress(progress: TrainerProgress): void {
    this.steps.epoch = progress.epoch;
    this.clock.restore(progress.elapsedMs);
  }

  /** Early stopping's record (the best weights themselves are in the backend's slot). */
  get earlyStoppingState(): EarlyStoppingState {
    return this.earlyStopping.state;
  }

  /**
   * After a checkpoint was restored (its best weights into the backend's slot):
   * early stopping goes on from its record, and the page learns the best.
   */
  restoreEarlyStopping(state: EarlyStoppingState): void {
    this.earlyStopping.restore(state);
    const best = this.earlyStopping.best;
    if (best) this.events.best(best);
  }

  /** Stops the loop, waits for it and frees the backend. */
  async dispose(): Promise<void> {
    this.disposed = true;
    this.training = false;
    await this.loopDone;
    this.exclusiveJobs.rejectAll(new Error('this model was replaced'));
    try {
      this.samples.stop();
      this.backend.dispose();
    } catch {
      // A backend that already failed (a lost device) may fail to free itself too;
      // nothing is left to do with it, and the next model must still be built.
    }
  }

  private get state(): LoopState {
    return { training: this.training, step: this.backend.step };
  }

  private wake(): void {
    if (this.loopDone || this.disposed) return;
    this.loopDone = this.loop().finally(() => {
      this.loopDone = null;
    });
  }

  private hasWork(): boolean {
    const stepsWanted = this.training || this.stepsRequested > 0;
    const jobWaiting =
      this.validation.neverRan ||
      this.samples.active ||
      this.probes.due(this.state) ||
      this.metrics.dirty ||
      this.exclusiveJobs.pending;
    return stepsWanted || this.steps.lossesOwed || jobWaiting;
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
      this.samples.stop();
      this.exclusiveJobs.rejectAll(error);
      this.events.failed(error, wasTraining);
    }
  }

  private async tick(): Promise<void> {
    const { steps, backend } = this;
    // First, so a checkpoint requested on pause sees the model the person paused.
    await this.exclusiveJobs.runEach(backend, steps.batcher, {
      // Steps queued earlier (GPU) finish first; their losses are not lost, and a
      // divergence among them is rolled back before the job sees the model.
      settle: () => this.collectOwedLosses(),
      // A job that replaced the state (a restored checkpoint) made the backend forget
      // its snapshots; their marks go too, and the next tick takes a fresh one.
      after: () => steps.snapshots.keepOnly(backend.snapshotSteps),
      stopped: () => this.disposed,
    });
    if (this.validation.neverRan) await steps.validate();
    // While waiting for its turn (stepTurn) the loop goes round without a step, yielding.
    if ((this.training && this.stepTurn()) || this.stepsRequested > 0) {
      await steps.run(() => {
        if (this.stepsRequested > 0) this.stepsRequested--;
      });
    }
    // While training, the next tick collects these; once paused, every loss comes in.
    if (!this.training) await this.collectOwedLosses();
    if (this.samples.active) {
      await this.samples.tick(backend, this.training, steps.throughput.stepMs);
    }
    if (this.probes.due(this.state)) await this.probes.take(backend);
    const now = performance.now();
    if (this.metrics.due(now, this.training)) this.report(now);
  }

  private async collectOwedLosses(): Promise<void> {
    if (this.steps.lossesOwed) await this.steps.collectLosses();
  }

  private report(now: number): void {
    const { train, validation, gradNorms, learningRates } = this.metrics.take(now);
    this.events.metrics({
      step: this.backend.step,
      epoch: this.steps.epoch,
      elapsedMs: this.clock.elapsed(now, this.training),
      tokensPerSecond: this.steps.throughput.tokensPerSecond,
      train,
      validation,
      gradNorms,
      learningRates,
    });
    this.events.state(this.state);
  }
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
