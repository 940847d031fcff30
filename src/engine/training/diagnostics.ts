// The training loop's diagnostics, taken with every gate snapshot
// (probeSchedule.ts): the gradient-flow probe (Backend.gradientFlow) over a
// fixed window of the training text, and the gate saturation of the snapshot
// (what share of each gate's activations sits at its rails, where its
// derivative is nearly zero and the gradient through it stops).
//
// Dimension legend: B streams of the probe window (≤ PROBE_STREAMS), T window,
// L layers, H hidden, P probe characters.

import type { Backend, Batch } from '../backend';
import { windowAt } from '../batcher';
import { CELLS, type SignalKey } from '../cells';
import type { ProbeSnapshot } from '../snapshot';
import type { DiagnosticsReport, GateSaturation, TrainingEvents } from './events';

/** Most streams of the gradient-flow window: enough for a steady mean, cheap on the CPU. */
export const PROBE_STREAMS = 8;

/** Below this (sigmoid) or beyond ±this (tanh) an activation counts as at a rail. */
export const SATURATION_LOW = 0.1;
export const SATURATION_HIGH = 0.9;

/** The signals saturation is measured on: gates squashed by σ, and those squashed by tanh. */
const SIGMOID_SIGNALS: readonly SignalKey[] = ['i', 'f', 'o', 'r', 'z'];
const TANH_SIGNALS: readonly SignalKey[] = ['g', 'n', 'h'];

/**
 * The fixed window the gradient flow is measured on: the training text's
 * first T tokens of min(B, PROBE_STREAMS) streams spread over it (the same
 * window every time, so the curves change only because the model does).
 */
export function probeWindow(train: Int32Array, batchSize: number, seqLen: number): Batch {
  const B = Math.min(batchSize, PROBE_STREAMS);
  const segment = Math.floor((train.length - 1) / B);
  return windowAt(train, segment, 0, B, seqLen);
}

/**
 * Per layer, per σ gate the share of activations below 0.1 and above 0.9,
 * per tanh signal the share below −0.9 and above 0.9, over the probe text.
 */
export function gateSaturation(snapshot: ProbeSnapshot): GateSaturation[][] {
  const signals = CELLS[snapshot.cell].signals;
  return snapshot.layers.map((layer) =>
    signals.flatMap((signal) => {
      const values = layer[signal];
      const sigmoid = SIGMOID_SIGNALS.includes(signal);
      if (!values || values.length === 0 || (!sigmoid && !TANH_SIGNALS.includes(signal))) {
        return [];
      }
      const lowBound = sigmoid ? SATURATION_LOW : -SATURATION_HIGH;
      let low = 0;
      let high = 0;
      for (const v of values) {
        if (v < lowBound) low++;
        else if (v > SATURATION_HIGH) high++;
      }
      return [{ signal, low: low / values.length, high: high / values.length }];
    }),
  );
}

export class Diagnostics {
  /** Why the backend cannot measure gradient flow (it said so once); then only saturation is sent. */
  private flowProblem: string | null = null;

  constructor(
    /** Null when the model has no gradient flow (bidirectional): `problem` says why. */
    private readonly window: Batch | null,
    private readonly events: TrainingEvents,
    problem = 'gradient flow is measured on left-to-right models only',
  ) {
    if (!window) this.flowProblem = problem;
  }

  /**
   * Measures the gradient flow at the backend's current step and reports it
   * with `saturation`, that of the gate snapshot just taken (gateSaturation,
   * computed before the snapshot was sent: sending may detach its arrays).
   */
  async take(backend: Backend, saturation: GateSaturation[][] | null): Promise<void> {
    const step = backend.step;
    let flow = null;
    if (this.flowProblem === null && this.window) {
      try {
        flow = await backend.gradientFlow(this.window);
      } catch (error) {
        // An engine without the probe (yet) must not stop training: the view just stays empty.
        this.flowProblem = error instanceof Error ? error.message : String(error);
      }
    }
    const report: DiagnosticsReport = {
      step,
      cell: backend.model.cell,
      seqLen: this.window?.seqLen ?? 0,
      flow,
      flowProblem: this.flowProblem,
      saturation,
    };
    this.events.diagnostics(report);
  }
}
