// Drawing the next character from logits with temperature and top-k. The rule
// is spelled out so the GPU sampler can follow it exactly:
//   1. keep the k largest logits (ties broken by lower token id); k = 0 keeps all;
//   2. p ∝ exp((logit − max) / temperature) over the kept tokens;
//   3. walk the kept tokens in ascending id, summing p, and pick the first
//      whose running sum exceeds u · total, u uniform in [0, 1) from the
//      sampler's seeded Rng.
//
// Dimension legend: V vocabulary.

import type { Arr } from './gemm';

/** Token ids kept by top-k, as a mask (V). */
export function topKMask(logits: Arr, topK: number): Uint8Array {
  const V = logits.length;
  const keep = new Uint8Array(V);
  if (topK <= 0 || topK >= V) return keep.fill(1);
  const order = Array.from({ length: V }, (_, i) => i).sort(
    (a, b) => logits[b] - logits[a] || a - b,
  );
  for (let r = 0; r < topK; r++) keep[order[r]] = 1;
  return keep;
}

export function sampleToken(logits: Arr, temperature: number, topK: number, u: number): number {
  const V = logits.length;
  const keep = topKMask(logits, topK);
  let max = -Infinity;
  for (let v = 0; v < V; v++) if (keep[v]) max = Math.max(max, logits[v]);
  const p = new Float64Array(V);
  let total = 0;
  for (let v = 0; v < V; v++) {
    if (!keep[v]) continue;
    p[v] = Math.exp((logits[v] - max) / temperature);
    total += p[v];
  }
  const threshold = u * total;
  let running = 0;
  let last = 0;
  for (let v = 0; v < V; v++) {
    if (!keep[v]) continue;
    running += p[v];
    last = v;
    if (running > threshold) return v;
  }
  return last; // rounding left u·total just above the sum
}
