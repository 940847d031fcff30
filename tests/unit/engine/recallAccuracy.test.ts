// Recall accuracy scores only the positions after the marker, by the argmax of
// the logits there, against the character that actually follows.
import { describe, expect, it } from 'vitest';
import { recallAccuracy } from '../../../src/engine/recallAccuracy';

const V = 4;
const MARKER = 3;

/** (P, V) logits whose row t puts its maximum on `picks[t]`. */
function logitsPicking(picks: number[]): Float32Array {
  const out = new Float32Array(picks.length * V);
  picks.forEach((id, t) => {
    for (let v = 0; v < V; v++) out[t * V + v] = v === id ? 2 : -1 + 0.1 * v;
  });
  return out;
}

describe('recallAccuracy', () => {
  // Tokens: two recall positions (t = 1 → key 2, t = 4 → key 0) and a marker at the end.
  const tokens = Int32Array.of(2, MARKER, 2, 1, MARKER, 0, 1, MARKER);

  it('counts the recall positions whose argmax is the next character', () => {
    const allRight = logitsPicking([0, 2, 0, 0, 0, 0, 0, 0]);
    expect(recallAccuracy(tokens, allRight, V, MARKER)).toEqual({
      correct: 2,
      positions: 2,
      accuracy: 1,
    });
    const oneRight = logitsPicking([2, 2, 2, 2, 1, 0, 0, 0]);
    expect(recallAccuracy(tokens, oneRight, V, MARKER)).toEqual({
      correct: 1,
      positions: 2,
      accuracy: 0.5,
    });
  });

  it('ignores every other position, however it is predicted', () => {
    // Right everywhere except at the two recall positions.
    const picks = [MARKER, 1, 1, MARKER, 1, 1, MARKER, 0];
    expect(recallAccuracy(tokens, logitsPicking(picks), V, MARKER).accuracy).toBe(0);
  });

  it('breaks ties toward the lowest id, so flat logits are a fixed guess', () => {
    const flat = new Float32Array(tokens.length * V);
    // Both recall targets would be "hit" if a tie counted as any maximum; key 0 only is.
    expect(recallAccuracy(tokens, flat, V, MARKER)).toMatchObject({ correct: 1, positions: 2 });
  });

  it('is NaN without recall positions and refuses logits of the wrong size', () => {
    const none = Int32Array.of(0, 1, 2);
    expect(recallAccuracy(none, logitsPicking([0, 0, 0]), V, MARKER).accuracy).toBeNaN();
    expect(() => recallAccuracy(tokens, new Float32Array(5), V, MARKER)).toThrow(/P·V/);
  });
});
