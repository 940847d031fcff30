// Surviving divergence, for the training loop. Every `snapshotEvery` steps
// the backend copies its training state into one of two in-memory slots (on
// the device, for the GPU); the marks here remember the stream position and
// epoch that go with each. A snapshot is known good once the losses of the
// steps after it came back finite, and a newer one replaces the older slot
// only then, so a good one always exists. A non-finite loss, gradient norm or
// weights flag rolls the run back to the newest good snapshot before the
// first bad state (the loop does the rolling back; this module says where to
// and with what words); a third rollback in a row without getting past the
// snapshot stops training (DivergedError).
//
// Dimension legend: none (steps and stream positions).

import type { StepLoss } from '../backend';
import type { BatcherPosition } from '../batcher';

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
export interface SnapshotMark {
  step: number;
  epoch: number;
  /** The batcher's position after the snapshot's step: where its next window comes from. */
  position: BatcherPosition;
}

export interface Divergence {
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
export function divergenceIn(l: StepLoss): Divergence | null {
  const { step } = l;
  if (!Number.isFinite(l.loss)) return { step, problem: `loss ${l.loss}`, firstBadState: step - 1 };
  if (!Number.isFinite(l.gradNorm))
    return { step, problem: `gradient norm ${l.gradNorm}`, firstBadState: step - 1 };
  if (!l.weightsFinite) return { step, problem: 'weights NaN or infinite', firstBadState: step };
  return null;
}

/** The marks of the backend's snapshot slots, and the count of rollbacks in a row. */
export class SnapshotMarks {
  /** Oldest first, at most two (the backend's slots). */
  private marks: SnapshotMark[] = [];
  private rollbacksInARow = 0;
  /** The step the last rollback returned to (-1: none yet). */
  private lastRollbackTo = -1;

  constructor(private readonly every: number) {}

  get none(): boolean {
    return this.marks.length === 0;
  }

  /**
   * A snapshot is due after `step`: far enough past the newest, and the
   * newest known good (`lastLossStep`, the last finite loss, is past it).
   */
  dueAfter(step: number, lastLossStep: number): boolean {
    const newest = this.marks.at(-1);
    return newest !== undefined && step - newest.step >= this.every && lastLossStep > newest.step;
  }

  add(mark: SnapshotMark): void {
    this.marks.push(mark);
    if (this.marks.length > 2) this.marks.shift();
  }

  /** Keeps the marks of the snapshots the backend still holds (a restore makes it forget them). */
  keepOnly(steps: readonly number[]): void {
    const kept = new Set(steps);
    this.marks = this.marks.filter((s) => kept.has(s.step));
  }

  /** Losses came back finite up to `lastLossStep`: past the last rollback's snapshot, the count starts over. */
  confirm(lastLossStep: number): void {
    const newest = this.marks.at(-1);
    if (newest && newest.step > this.lastRollbackTo && lastLossStep > newest.step) {
      this.rollbacksInARow = 0;
    }
  }

  /** A person pressed Train: a stop for divergence is not held against the new run. */
  restartCount(): void {
    this.rollbacksInARow = 0;
  }

  /**
   * Where to roll back to: the newest snapshot before the first bad state (it
   * is known good: every loss before this one was finite). Throws
   * DivergedError when there is none.
   */
  targetFor({ step, problem, firstBadState }: Divergence): SnapshotMark {
    const target = [...this.marks].reverse().find((s) => s.step < firstBadState);
    if (target) return target;
    throw new DivergedError(
      `training diverged at step ${step} (${problem}): lower the learning rate, then Reset ` +
        'or resume the last good save from Saved runs (no good in-memory snapshot of this ' +
        'model was taken before it)',
    );
  }

  /** The run went back to `target`: later marks go, and the rollback counts. Returns whether to stop. */
  rolledBack(target: SnapshotMark): boolean {
    this.marks = this.marks.filter((s) => s.step <= target.step);
    this.rollbacksInARow++;
    this.lastRollbackTo = target.step;
    return this.rollbacksInARow >= MAX_ROLLBACKS_IN_A_ROW;
  }

  /** What the person reads about a rollback from `divergence` to `toStep`. */
  rollbackMessage(
    divergence: Divergence,
    toStep: number,
    before: number,
    after: number,
    stop: boolean,
  ): string {
    return (
      `training diverged at step ${divergence.step} (${divergence.problem}): rolled back to step ${toStep} ` +
      `and halved the learning rate, ${formatRate(before)} → ${formatRate(after)}` +
      (stop ? '' : '; training goes on')
    );
  }

  /** Why training stopped after the last rollback (to `toStep`, now at `learningRate`). */
  stopError(toStep: number, learningRate: number): DivergedError {
    return new DivergedError(
      `training stopped: it diverged ${this.rollbacksInARow} times in a row without getting ` +
        `past step ${toStep}, even after halving the learning rate each time (now ` +
        `${formatRate(learningRate)}). The model is back at step ${toStep}; lower the ` +
        'learning rate or the clip norm, or Reset',
    );
  }
}

function formatRate(x: number): string {
  return Number(x.toPrecision(3)).toString();
}
