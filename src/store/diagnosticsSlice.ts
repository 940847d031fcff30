// The diagnostics view: per model (its index in a compare run, 0 when one
// model trains) the latest gradient flow, and series over training of the
// global gradient norm (with clipping), the per-group gradient norms and the
// gate saturation. Diagnostics come with each gate snapshot (about once a
// second at most), gradient norms with each metrics message (a few a second),
// so this lives in the store and only the diagnostics panel subscribes.
//
// Dimension legend: L layers, T window of the gradient-flow probe.

import type { StateCreator } from 'zustand';
import type { CellType } from '../engine/cells';
import type { GateSaturation } from '../engine/training/events';
import type { DiagnosticsMessage } from '../worker/protocol';
import type { AppState } from './app';

/** The latest gradient flow of one model: per layer (T) norms, k steps back from the last position. */
export interface FlowView {
  step: number;
  cell: CellType;
  h: Float32Array[];
  /** The LSTM's cell-state path; null for the other cells. */
  c: Float32Array[] | null;
}

export interface GradNormPoint {
  step: number;
  norm: number;
  clipped: boolean;
}

export interface GroupNormPoint {
  step: number;
  /** (L + 2): embedding, layer 0 … L − 1, head. */
  norms: number[];
}

export interface SaturationPoint {
  step: number;
  /** Per layer, per measured signal. */
  layers: GateSaturation[][];
}

export interface ModelDiagnostics {
  cell: CellType | null;
  flow: FlowView | null;
  /** Why the engine cannot measure gradient flow, if it cannot. */
  flowProblem: string | null;
  gradNorms: GradNormPoint[];
  groupNorms: GroupNormPoint[];
  saturation: SaturationPoint[];
}

export interface DiagnosticsSlice {
  /** By model index; index 0 is the model when only one trains. */
  diagnostics: Record<number, ModelDiagnostics>;
}

export const createDiagnosticsSlice: StateCreator<AppState, [], [], DiagnosticsSlice> = () => ({
  diagnostics: {},
});

export function emptyDiagnostics(): ModelDiagnostics {
  return {
    cell: null,
    flow: null,
    flowProblem: null,
    gradNorms: [],
    groupNorms: [],
    saturation: [],
  };
}

type Diagnostics = DiagnosticsSlice['diagnostics'];

function withModel(
  all: Diagnostics,
  model: number,
  change: (d: ModelDiagnostics) => Partial<ModelDiagnostics>,
): Diagnostics {
  const current = all[model] ?? emptyDiagnostics();
  return { ...all, [model]: { ...current, ...change(current) } };
}

/** A diagnostics message: the flow replaces the last, group norms and saturation grow by one point. */
export function addDiagnostics(all: Diagnostics, m: DiagnosticsMessage): Diagnostics {
  return withModel(all, m.model ?? 0, (d) => ({
    cell: m.cell,
    flow: m.flow ? { step: m.step, cell: m.cell, h: m.flow.h, c: m.flow.c } : d.flow,
    flowProblem: m.flowProblem,
    groupNorms: m.flow
      ? [...upTo(d.groupNorms, m.step - 1), { step: m.step, norms: Array.from(m.flow.groupNorms) }]
      : d.groupNorms,
    saturation: m.saturation
      ? [...upTo(d.saturation, m.step - 1), { step: m.step, layers: m.saturation }]
      : d.saturation,
  }));
}

/** (step, norm, clipped 1/0) triples of a metrics message, appended to model `model`'s series. */
export function addGradNorms(all: Diagnostics, model: number, triples: Float64Array): Diagnostics {
  if (triples.length < 3) return all;
  return withModel(all, model, (d) => {
    // Appended in place (as metrics.ts does): the series grows at step rate, and the
    // model's entry is a new object, which is what subscribers compare.
    const points = d.gradNorms;
    for (let k = 0; k + 2 < triples.length; k += 3) {
      points.push({ step: triples[k], norm: triples[k + 1], clipped: triples[k + 2] === 1 });
    }
    return { gradNorms: points };
  });
}

/** After `model` rolled back to `step`: its points of the abandoned steps go. */
export function truncateDiagnostics(all: Diagnostics, step: number, model: number): Diagnostics {
  const out: Diagnostics = { ...all };
  const d = all[model];
  if (d) {
    out[model] = {
      ...d,
      gradNorms: upTo(d.gradNorms, step),
      groupNorms: upTo(d.groupNorms, step),
      saturation: upTo(d.saturation, step),
      flow: d.flow && d.flow.step <= step ? d.flow : null,
    };
  }
  return out;
}

function upTo<P extends { step: number }>(points: P[], step: number): P[] {
  return points.length > 0 && points[points.length - 1].step > step
    ? points.filter((p) => p.step <= step)
    : points;
}
