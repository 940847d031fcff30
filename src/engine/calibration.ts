// Which engine trains faster here, measured: a few real training steps of the
// configured model on each candidate backend, each timed from the call that
// queues it to the arrival of its loss, then every candidate put back exactly
// as it was (a snapshot before, a rollback after), so the model that trains
// afterwards has taken no step. The worker's Auto choice and the benchmark's
// "Auto pick" column both come from here, so they always agree.
//
// The order and the cut keep it short. The candidates are measured one after
// the other, in the order given (the caller puts the one expected to be fast
// and predictable first: the CPU). Each takes one warm-up step, awaited
// whole (first-submit costs on a real GPU belong to no later step), then
// timed steps until it has `timedSteps` of them or has spent its share of the
// budget; the first candidate's warm-up, when it alone outlasts that share,
// is its figure (on a step that long, the predictable engine's first-call
// costs hardly count, and a second step would double the wait). A later
// candidate whose timed step is still running after `cutFactor` times the
// best figure so far is not waited for: it is slower by at least that factor,
// its figure is that lower bound, and its step is left to finish on its own
// (`settled` says when it is back at its start). Ties within `tieMargin` go to
// the earlier candidate in `prefer` order.
//
// Dimension legend: B batch, T window, E embedding, H hidden, V vocabulary,
// L layers (the step closure carries the model's one window (T, B)).

import type { Backend } from './backend';

export interface CalibrationCandidate<K extends string = string> {
  key: K;
  backend: Backend;
}

export interface EngineTiming<K extends string = string> {
  key: K;
  /** Median of the timed steps, in ms; a lower bound when `cut`. */
  msPerStep: number;
  /** Timed steps behind the figure (the first candidate's warm-up is one when it outlasted the budget alone). */
  steps: number;
  /** Stopped waiting for its step: it is at least `msPerStep` per step. */
  cut: boolean;
}

export interface Calibration<K extends string = string> {
  pick: K;
  /** Every candidate's figure, in the order measured. */
  timings: EngineTiming<K>[];
  /**
   * How many times faster the pick is than the fastest other candidate (≥ 1;
   * a lower bound when that one was cut; 1 when there is no other).
   */
  speedup: number;
  /** Wall time of the calibration until the pick was known. */
  elapsedMs: number;
  /**
   * Resolves once every candidate is back at the state it started from. The
   * uncut ones (the pick always among them) already are when calibrate
   * resolves; a cut one gets back once its step finishes.
   */
  settled: Promise<void>;
}

export interface CalibrationOptions<K extends string = string> {
  /** Wall-time share each candidate may spend on timed steps after its warm-up (default 250 ms). */
  budgetMsPerEngine?: number;
  /** Timed steps wanted per candidate (default 3). */
  timedSteps?: number;
  /** A step running past this many times the best figure so far is not waited for (default 3). */
  cutFactor?: number;
  /** Figures within this fraction of each other are a tie (default 0.1). */
  tieMargin?: number;
  /** On a tie, the key earliest here wins (default: the candidates' order). */
  prefer?: readonly K[];
  /** The clock (default performance.now). */
  now?: () => number;
}

export const CALIBRATION_DEFAULTS = {
  budgetMsPerEngine: 250,
  timedSteps: 3,
  cutFactor: 3,
  tieMargin: 0.1,
} as const;

/**
 * Times `step` (one training step queued on the backend given) on each
 * candidate and returns the pick. `step` must queue exactly one trainStep.
 * Throws (after putting every candidate back) when a step fails.
 */
export async function calibrate<K extends string>(
  candidates: readonly CalibrationCandidate<K>[],
  step: (backend: Backend) => void,
  options: CalibrationOptions<K> = {},
): Promise<Calibration<K>> {
  if (candidates.length === 0) throw new Error('calibrate: no candidate engine');
  const now = options.now ?? (() => performance.now());
  const budget = options.budgetMsPerEngine ?? CALIBRATION_DEFAULTS.budgetMsPerEngine;
  const wanted = Math.max(1, options.timedSteps ?? CALIBRATION_DEFAULTS.timedSteps);
  const cutFactor = options.cutFactor ?? CALIBRATION_DEFAULTS.cutFactor;
  const tieMargin = options.tieMargin ?? CALIBRATION_DEFAULTS.tieMargin;
  const started = now();
  const timings: EngineTiming<K>[] = [];
  const returns: Promise<void>[] = [];

  for (const { key, backend } of candidates) {
    const from = backend.snapshot();
    const best = Math.min(Infinity, ...timings.map((t) => t.msPerStep));
    let outcome: TimedSteps;
    try {
      outcome = await timeSteps(backend, step, {
        wanted,
        budget,
        cutAfter: best * cutFactor,
        now,
        first: timings.length === 0,
      });
    } catch (error) {
      // Put back whatever can be (the failed one may be unusable), then report the failure.
      await Promise.allSettled([...returns, backend.rollback(from)]);
      throw error;
    }
    if (outcome.kind === 'cut') {
      returns.push(outcome.pending.then(() => backend.rollback(from)));
      timings.push({ key, msPerStep: outcome.lowerBound, steps: 0, cut: true });
    } else {
      // Awaited (no step of it is running, so this is quick): once calibrate resolves, every
      // uncut candidate, the pick among them, is at its start and may train at once.
      await backend.rollback(from);
      timings.push({
        key,
        msPerStep: median(outcome.figures),
        steps: outcome.figures.length,
        cut: false,
      });
    }
  }
  const elapsedMs = now() - started;
  const order = options.prefer ?? candidates.map((c) => c.key);
  const rank = (k: K) => {
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  const fastest = Math.min(...timings.map((t) => t.msPerStep));
  // Every uncut candidate within the tie margin of the fastest, the preferred one first.
  const tied = timings
    .filter((t) => !t.cut && t.msPerStep <= fastest * (1 + tieMargin))
    .sort((a, b) => rank(a.key) - rank(b.key));
  const pick = tied[0] ?? timings.find((t) => t.msPerStep === fastest)!;
  const others = timings.filter((t) => t !== pick);
  const runnerUp = Math.min(Infinity, ...others.map((t) => t.msPerStep));
  const speedup = others.length === 0 ? 1 : Math.max(1, runnerUp / pick.msPerStep);
  return {
    pick: pick.key,
    timings,
    speedup,
    elapsedMs,
    // Never rejects: a caller may dispose a cut candidate before its rollback runs.
    settled: Promise.allSettled(returns).then(() => undefined),
  };
}

type TimedSteps =
  | { kind: 'timed'; /** ms of each timed step */ figures: number[] }
  | {
      kind: 'cut';
      /** How long the cut step had run when it stopped being waited for, in ms. */
      lowerBound: number;
      /** The cut step's completion (its failure swallowed: the candidate has lost anyway). */
      pending: Promise<void>;
    };

async function timeSteps(
  backend: Backend,
  step: (backend: Backend) => void,
  limits: { wanted: number; budget: number; cutAfter: number; now: () => number; first: boolean },
): Promise<TimedSteps> {
  const { wanted, budget, cutAfter, now } = limits;
  const one = async (): Promise<number> => {
    const t0 = now();
    step(backend);
    backend.flushLosses();
    await backend.drainLosses();
    return now() - t0;
  };
  // The warm-up. The first candidate's, when it alone outlasts the budget, is its figure:
  // that one is the predictable engine (the caller's order), its first-call costs are small
  // beside so long a step, and a second would double the wait. A later candidate's warm-up
  // may hold first-submit costs many times its step (SwiftShader: 12 s against 2.5 s at
  // E256 H256 L2 T64 B32), so its figure always comes from a timed step.
  const warmUp = await one();
  if (limits.first && warmUp >= budget) return { kind: 'timed', figures: [warmUp] };
  const figures: number[] = [];
  const timedFrom = now();
  // At least one timed step, then more while the candidate's budget lasts.
  while (figures.length < wanted && (figures.length === 0 || now() - timedFrom < budget)) {
    const t0 = now();
    const running = one();
    const ms = Number.isFinite(cutAfter) ? await raceTimer(running, cutAfter) : await running;
    if (ms === 'timer') {
      const pending = running.then(
        () => undefined,
        () => undefined,
      );
      return { kind: 'cut', lowerBound: now() - t0, pending };
    }
    figures.push(ms);
  }
  return { kind: 'timed', figures };
}

/** The step's time, or 'timer' when `ms` passed first. */
async function raceTimer(running: Promise<number>, ms: number): Promise<number | 'timer'> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<'timer'>((resolve) => {
    timer = setTimeout(() => resolve('timer'), ms);
  });
  try {
    return await Promise.race([running, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}
