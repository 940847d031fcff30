// The step loop of the training loop: queues training steps on the backend
// within a bound on steps in flight, takes their losses in as they come back
// (reported through metrics.ts), validates on every validation step, marks
// the in-memory snapshots and, when a step comes back non-finite, rolls the
// run back to the newest good one with half the learning rate
// (divergence.ts says where to and with what words).
//
// Dimension legend: B batch, T window (a step trains on B·T tokens).

import type { Backend } from '../backend';
import type { OptimizerConfig, RegularizationConfig } from '../config';
import { dropoutSpecOf } from '../dropout';
import { ThroughputMeter } from '../throughput';
import { divergenceIn, SnapshotMarks, type Divergence } from './divergence';
import type { EarlyStopping } from './earlyStopping';
import type { TrainingEvents } from './events';
import type { MetricsThrottle } from './metrics';
import type { ProbeSchedule } from './probeSchedule';
import type { RecallCheck } from './recall';
import type { Validation } from './validation';
import type { BatchSource, TaskScorer } from './data';
import { optimizerAtStep } from './schedule';

/** Most steps a GPU backend may have in flight before the loop waits for their losses. */
const MAX_QUEUED_STEPS = 8;
/**
 * Fewer when steps are slow: the steps in flight must finish before Pause
 * takes effect and before a sample or snapshot gets its turn.
 */
const IN_FLIGHT_MS = 80;

/** The jobs a step or a rollback concerns. */
export interface StepJobs {
  metrics: MetricsThrottle;
  validation: Validation;
  probes: ProbeSchedule;
  events: TrainingEvents;
  /** Recall accuracy on a memory task, scored with each validation run. */
  recall?: RecallCheck | null;
  /** A tagging or forecast model's scores, with each validation run (data.ts). */
  scores?: TaskScorer | null;
  /** Judges each validation loss: best weights kept, training stopped (earlyStopping.ts). */
  earlyStopping: EarlyStopping;
  /** Early stopping ran out of patience: the trainer pauses itself. */
  stopTraining: () => void;
}

export class StepLoop {
  readonly throughput: ThroughputMeter;
  readonly snapshots: SnapshotMarks;
  /** The person's optimizer settings; each step gets the rate its schedule gives (schedule.ts). */
  optimizer: OptimizerConfig;
  regularization: RegularizationConfig;
  epoch = 0;
  /** The last step whose loss came back (finite). */
  private lastLossStep = 0;
  /** The learning rate each step in flight was queued with, reported with its loss. */
  private readonly ratesInFlight = new Map<number, number>();

  constructor(
    private readonly backend: Backend,
    readonly batcher: BatchSource,
    private readonly jobs: StepJobs,
    /** Whether the loop trains (a person's Train, not yet paused, the model not replaced). */
    private readonly training: () => boolean,
    {
      optimizer,
      regularization,
    }: { optimizer: OptimizerConfig; regularization: RegularizationConfig },
    /** The run's seed: dropout masks are drawn from it (dropout.ts). */
    private readonly seed: number,
    private readonly tickBudgetMs: number,
    snapshotEvery: number,
  ) {
    this.regularization = regularization;
    this.throughput = new ThroughputMeter(batcher.batchSize * batcher.seqLen);
    this.snapshots = new SnapshotMarks(snapshotEvery);
    this.optimizer = optimizer;
  }

  /**
   * A person pressed Train: the rate window starts afresh, and so does the
   * count of rollbacks in a row (a stop for divergence is not held against it).
   */
  restart(): void {
    this.snapshots.restartCount();
    this.throughput.restart();
  }

  /** Steps ran whose losses have not come in yet. */
  get lossesOwed(): boolean {
    return this.lastLossStep < this.backend.step;
  }

  /**
   * Queues one step, and more while training and the budget lasts, then takes
   * in the previous tick's losses and validates if a validation step was
   * passed. `taken` is called after each step.
   */
  async run(taken: () => void): Promise<void> {
    const started = performance.now();
    const previousTickEnd = this.backend.step;
    // Two ticks' steps may be in flight (this one's and the one before): each gets half.
    const { stepMs } = this.throughput;
    const limit = stepMs > 0 ? Math.floor(IN_FLIGHT_MS / (2 * stepMs)) : 1;
    const maxQueued = Math.min(MAX_QUEUED_STEPS, Math.max(1, limit));
    let queued = 0;
    // The first snapshot (step 0, or the state a checkpoint restored) before any step.
    if (this.snapshots.none) this.markSnapshot(this.backend.snapshot());
    do {
      const { batch, startsEpoch } = this.batcher.next();
      if (startsEpoch) {
        this.backend.resetState();
        if (this.backend.step > 0) this.epoch++;
      }
      const snapshotAfter = this.snapshots.dueAfter(this.backend.step + 1, this.lastLossStep);
      const step = this.backend.step + 1;
      const optimizer = optimizerAtStep(this.optimizer, step);
      this.ratesInFlight.set(step, optimizer.learningRate);
      this.backend.trainStep(
        batch,
        optimizer,
        snapshotAfter,
        dropoutSpecOf(this.regularization, this.seed),
      );
      if (snapshotAfter) this.markSnapshot(this.backend.step);
      queued++;
      taken();
    } while (
      this.training() &&
      // Stop at a validation step, so validation runs on exactly every N-th model.
      !this.jobs.validation.isValidationStep(this.backend.step) &&
      queued < maxQueued &&
      performance.now() - started < this.tickBudgetMs
    );
    // Wait for the previous tick's steps only: this tick's keep the GPU busy meanwhile, and
    // their losses are on their way back. (The CPU backend has finished them all already.)
    this.backend.flushLosses();
    await this.collectLosses(previousTickEnd);
    this.throughput.recordTick(performance.now(), this.lastLossStep, this.training());
    if (this.jobs.validation.dueAt(this.backend.step)) await this.validate();
  }

  async validate(): Promise<void> {
    const step = this.backend.step;
    const loss = await this.jobs.validation.run(this.backend);
    if (loss !== null) {
      this.jobs.metrics.addValidation(step, loss);
      await this.judge(step, loss);
    }
    const recall = await this.jobs.recall?.run(this.backend);
    if (recall) this.jobs.events.recall?.(recall);
    const scores = await this.jobs.scores?.run(this.backend);
    if (scores) this.jobs.events.taskScores?.(scores);
  }

  /**
   * Early stopping's turn after the validation of `step`. The weights copied
   * by keepBest are exactly the validated ones: run() stops queueing at a
   * validation step and validates before it returns (the step-0 run comes
   * before any step), evaluate() was queued after the last step and awaited,
   * and nothing but the forward-only recall and score checks touch the backend until
   * the next tick's first trainStep.
   */
  private async judge(step: number, loss: number): Promise<void> {
    const { earlyStopping, events } = this.jobs;
    if (this.lossesOwed) {
      // Free by now (the evaluation waited for every queued step): a divergence among
      // these steps rolls back first, and then the validated model is an abandoned one.
      await this.collectLosses();
      if (this.backend.step !== step) return;
    }
    const { patience } = this.regularization;
    const verdict = earlyStopping.judge(step, loss, patience);
    if (verdict === 'best') {
      this.backend.keepBest();
      events.best({ step, loss });
    } else if (verdict === 'stop') {
      await this.backend.restoreBest();
      this.snapshotRestored();
      this.jobs.stopTraining();
      events.earlyStopped(earlyStopping.stopReport(step, patience));
    }
  }

  /**
   * The snapshots of `step` hold the weights before restoreBest: a rollback to
   * one would bring the abandoned weights back. Both slots take the restored
   * state (one would leave an older copy of the same step in the other, which
   * rollback might pick).
   */
  private snapshotRestored(): void {
    this.snapshots.keepOnly([]);
    this.backend.snapshot();
    this.markSnapshot(this.backend.snapshot());
  }

  /** Takes in the losses read back so far, waiting for those of steps up to `through` (default all). */
  async collectLosses(through?: number): Promise<void> {
    const losses = await this.backend.drainLosses(through);
    for (const l of losses) {
      const divergence = divergenceIn(l);
      if (divergence) {
        // The losses after it belong to the abandoned steps.
        await this.rollBack(divergence);
        return;
      }
      // Clipping scales the step when the norm passes a positive clipNorm (adam.ts clipScale).
      const { clipNorm } = this.optimizer;
      const rate = this.ratesInFlight.get(l.step) ?? NaN;
      this.ratesInFlight.delete(l.step);
      const clipped = clipNorm > 0 && l.gradNorm > clipNorm;
      this.jobs.metrics.addTrain(l.step, l.loss, l.gradNorm, clipped, rate);
      this.lastLossStep = l.step;
    }
    this.snapshots.confirm(this.lastLossStep);
    // Steps with no loss to read (those before a restored checkpoint): a full drain that
    // brings nothing while paused means the losses are all in, so the loop can rest.
    const drainedAll = through === undefined || through >= this.backend.step;
    if (drainedAll && losses.length === 0 && !this.training()) {
      this.lastLossStep = this.backend.step;
    }
    if (this.training()) this.throughput.recordLosses(performance.now(), this.lastLossStep);
  }

  private markSnapshot(step: number): void {
    this.snapshots.add({ step, epoch: this.epoch, position: this.batcher.getPosition() });
  }

  /** A step came back non-finite: back to the newest good snapshot, with half the learning rate. */
  private async rollBack(divergence: Divergence): Promise<void> {
    const target = this.snapshots.targetFor(divergence);
    await this.backend.rollback(target.step);
    this.batcher.setPosition(target.position);
    this.epoch = target.epoch;
    const before = this.optimizer.learningRate;
    this.optimizer = { ...this.optimizer, learningRate: before / 2 };
    const { learningRate } = this.optimizer;
    this.jobs.metrics.dropAfter(target.step);
    // The steps in flight are abandoned with their losses.
    this.ratesInFlight.clear();
    this.jobs.validation.rewind(target.step);
    this.jobs.earlyStopping.rewind(target.step);
    this.jobs.probes.forgetLast();
    this.lastLossStep = target.step;
    this.throughput.restart();
    const stop = this.snapshots.rolledBack(target);
    const message = this.snapshots.rollbackMessage(
      divergence,
      target.step,
      before,
      learningRate,
      stop,
    );
    this.jobs.events.rollback({
      fromStep: divergence.step,
      toStep: target.step,
      learningRate,
      message,
    });
    if (stop) throw this.snapshots.stopError(target.step, learningRate);
  }
}
