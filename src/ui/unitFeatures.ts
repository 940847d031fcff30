// The unit finder's arithmetic: features of the probe text, one number per
// character, and each unit's Pearson correlation with them. A unit whose
// memory (c for the LSTM, h otherwise) follows "inside quotes" or "position in
// the line" is the interpretable kind of cell Karpathy et al. (2015) found.
// Every feature is the state after reading the character, as the unit's value
// at that position is.
//
// Dimension legend: P probe characters, H hidden units.

export const TEXT_FEATURES = [
  'quote',
  'bracket',
  'depth',
  'column',
  'space',
  'digit',
  'upper',
  'vowel',
] as const;
export type TextFeature = (typeof TEXT_FEATURES)[number];

export const FEATURE_LABELS: Record<TextFeature, string> = {
  quote: 'inside quotes',
  bracket: 'inside brackets',
  depth: 'bracket depth',
  column: 'position in the line',
  space: 'space',
  digit: 'digit',
  upper: 'uppercase',
  vowel: 'vowel',
};

const OPENING = new Set(['(', '[', '{']);
const CLOSING = new Set([')', ']', '}']);
const VOWELS = new Set([...'aeiouAEIOU']);

/** Every feature of `chars` as a (P) series. */
export function textFeatures(chars: readonly string[]): Record<TextFeature, Float64Array> {
  const P = chars.length;
  const out = Object.fromEntries(TEXT_FEATURES.map((k) => [k, new Float64Array(P)])) as Record<
    TextFeature,
    Float64Array
  >;
  let quoted = false;
  let depth = 0;
  let column = 0;
  for (let t = 0; t < P; t++) {
    const ch = chars[t];
    // Straight quotes toggle; curly ones say which side they are. Apostrophes are left alone.
    if (ch === '"') quoted = !quoted;
    else if (ch === '“') quoted = true;
    else if (ch === '”') quoted = false;
    if (OPENING.has(ch)) depth++;
    else if (CLOSING.has(ch)) depth = Math.max(0, depth - 1);
    // Characters read on this line so far: 1 for its first, 0 for the newline ending it.
    column = ch === '\n' ? 0 : column + 1;
    out.quote[t] = quoted ? 1 : 0;
    out.bracket[t] = depth > 0 ? 1 : 0;
    out.depth[t] = depth;
    out.column[t] = column;
    out.space[t] = ch === ' ' ? 1 : 0;
    out.digit[t] = ch >= '0' && ch <= '9' ? 1 : 0;
    out.upper[t] = ch !== ch.toLowerCase() ? 1 : 0;
    out.vowel[t] = VOWELS.has(ch) ? 1 : 0;
  }
  return out;
}

/**
 * Pearson's r of every unit's series in `values` (P, H) with `feature` (P):
 * (H) values; NaN for all when the feature is constant along the text (it says
 * nothing), 0 for a unit that is constant.
 */
export function unitCorrelations(
  values: Float32Array,
  P: number,
  H: number,
  feature: Float64Array,
): Float64Array {
  const r = new Float64Array(H);
  let fMean = 0;
  for (let t = 0; t < P; t++) fMean += feature[t];
  fMean /= P;
  let fVar = 0;
  for (let t = 0; t < P; t++) fVar += (feature[t] - fMean) ** 2;
  if (!(fVar > 1e-12)) return r.fill(NaN);
  const mean = new Float64Array(H);
  for (let t = 0; t < P; t++) for (let j = 0; j < H; j++) mean[j] += values[t * H + j];
  for (let j = 0; j < H; j++) mean[j] /= P;
  const cov = new Float64Array(H);
  const vVar = new Float64Array(H);
  for (let t = 0; t < P; t++) {
    const df = feature[t] - fMean;
    for (let j = 0; j < H; j++) {
      const dv = values[t * H + j] - mean[j];
      cov[j] += dv * df;
      vVar[j] += dv * dv;
    }
  }
  for (let j = 0; j < H; j++) r[j] = vVar[j] > 1e-12 ? cov[j] / Math.sqrt(vVar[j] * fVar) : 0;
  return r;
}

export interface FoundUnit {
  unit: number;
  r: number;
}

export interface FinderRow {
  feature: TextFeature;
  /** False when the feature is constant along the probe text: nothing to correlate. */
  present: boolean;
  /** The best units by |r|, best first. */
  units: FoundUnit[];
}

/** The `count` units of `values` (P, H) most correlated (by |r|) with each feature of `chars`. */
export function findUnits(
  values: Float32Array,
  chars: readonly string[],
  H: number,
  count = 3,
): FinderRow[] {
  const P = chars.length;
  const features = textFeatures(chars);
  return TEXT_FEATURES.map((feature) => {
    const r = unitCorrelations(values, P, H, features[feature]);
    if (H === 0 || Number.isNaN(r[0])) return { feature, present: false, units: [] };
    const units = Array.from(r, (value, unit) => ({ unit, r: value }))
      .sort((a, b) => Math.abs(b.r) - Math.abs(a.r) || a.unit - b.unit)
      .slice(0, count);
    return { feature, present: true, units };
  });
}
