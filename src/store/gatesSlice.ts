// The gate view: the probe text, which layer and unit to look at, and the
// latest snapshot. Snapshots arrive a couple of times a second at most.

import type { StateCreator } from 'zustand';
import type { GateKey } from '../engine/snapshot';
import type { ProbeMessage } from '../worker/protocol';
import type { TextFeature } from '../ui/unitFeatures';
import type { UnitSort } from '../ui/unitOrder';
import type { AppState } from './app';

export interface GatesSlice {
  probeText: string;
  /** A forecast's gates: the first row of the probed stretch, as chosen (null: the first validation row). */
  probeFromRow: number | null;
  layer: number;
  /** The unit whose activation colours the probe text. */
  unit: number;
  /** Set once the person picks a unit; until then the most active one is followed. */
  unitPinned: boolean;
  /** Which signal colours the probe text. */
  textGate: GateKey;
  snapshot: ProbeMessage | null;
  probeError: string | null;
  /** The order of the heatmap rows (unitOrder.ts), the same for every heatmap of the layer. */
  unitSort: UnitSort;
  /** The text feature rows are sorted by when unitSort is 'feature'. */
  sortFeature: TextFeature;
  /** The feature of the unit last picked in the unit finder; the text view marks it. */
  finderFeature: TextFeature | null;
}

export const createGatesSlice: StateCreator<AppState, [], [], GatesSlice> = () => ({
  probeText: '',
  probeFromRow: null,
  layer: 0,
  unit: 0,
  unitPinned: false,
  textGate: 'c',
  snapshot: null,
  probeError: null,
  unitSort: 'index',
  sortFeature: 'quote',
  finderFeature: null,
});

/**
 * The unit to colour the probe text by once `snapshot` arrives: the one the
 * person picked, else the most varied of the shown layer's chosen signal.
 */
export function unitToShow(
  view: Pick<GatesSlice, 'layer' | 'unit' | 'unitPinned' | 'textGate'>,
  snapshot: ProbeMessage,
): number {
  const layer = snapshot.layers[Math.min(view.layer, snapshot.layers.length - 1)];
  if (view.unitPinned || !layer) return view.unit;
  const values = layer[view.textGate] ?? layer.h!;
  return mostVariedUnit(values, snapshot.chars.length, snapshot.hidden, view.unit);
}

/**
 * The unit whose signal varies most along the probe text: a better first
 * look than unit 0. Sticks with `current` unless another is clearly (30 %) more
 * varied, so the text view does not flicker between snapshots.
 */
function mostVariedUnit(values: Float32Array, P: number, H: number, current: number): number {
  const variance = new Float64Array(H);
  for (let j = 0; j < H; j++) {
    let sum = 0;
    let sq = 0;
    for (let t = 0; t < P; t++) {
      const v = Math.tanh(values[t * H + j]);
      sum += v;
      sq += v * v;
    }
    variance[j] = sq / P - (sum / P) ** 2;
  }
  let best = 0;
  for (let j = 1; j < H; j++) if (variance[j] > variance[best]) best = j;
  return current < H && variance[best] <= 1.3 * variance[current] ? current : best;
}
