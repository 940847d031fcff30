// The order of a layer's heatmap rows. Units in index order read as noise;
// sorted by mean activation or by how closely they follow a text feature,
// units that do the same job sit together. One order for every heatmap of
// the layer, so a row means the same unit in each.
//
// Dimension legend: P probe characters, H hidden units.

import { unitCorrelations } from './unitFeatures';

export const UNIT_SORTS = ['index', 'mean', 'feature'] as const;
export type UnitSort = (typeof UNIT_SORTS)[number];

/**
 * The unit shown in each row (H), top first: by index; by the mean of
 * `values` (P, H) along the text, highest first; or by |Pearson r| of
 * `values` with `feature` (P), strongest first (a constant feature keeps index
 * order). Ties keep index order.
 */
export function unitOrder(
  sort: UnitSort,
  values: Float32Array,
  P: number,
  H: number,
  feature?: Float64Array,
): Int32Array {
  const order = Int32Array.from({ length: H }, (_, j) => j);
  if (sort === 'index' || P === 0) return order;
  const key = new Float64Array(H);
  if (sort === 'mean') {
    for (let t = 0; t < P; t++) for (let j = 0; j < H; j++) key[j] += values[t * H + j];
  } else {
    if (!feature) return order;
    const r = unitCorrelations(values, P, H, feature);
    for (let j = 0; j < H; j++) key[j] = Number.isNaN(r[j]) ? 0 : Math.abs(r[j]);
  }
  return order.sort((a, b) => key[b] - key[a] || a - b);
}

/** The row of each unit (H): the inverse of `order`. */
export function rowsOf(order: Int32Array): Int32Array {
  const rows = new Int32Array(order.length);
  for (let k = 0; k < order.length; k++) rows[order[k]] = k;
  return rows;
}
