// The closed-form parameter count agrees with the arena's layout for every
// cell, and matching a target count picks the H whose count is nearest.

import { describe, expect, test } from 'vitest';
import { CELL_TYPES } from '../../../src/engine/cells';
import type { ModelConfig } from '../../../src/engine/config';
import { countParameters, matchHiddenSize } from '../../../src/engine/paramCount';
import { paramLayout, parameterCount } from '../../../src/engine/params';

describe('parameter counts', () => {
  test.each(CELL_TYPES)('%s: the count is the arena layout’s, for several shapes', (cell) => {
    for (const [V, E, H, L] of [
      [2, 1, 1, 1],
      [65, 32, 128, 1],
      [97, 16, 48, 3],
      [30, 64, 7, 2],
    ]) {
      const m: ModelConfig = { vocabSize: V, cell, embedSize: E, hiddenSize: H, layers: L };
      expect(countParameters(m)).toBe(parameterCount(paramLayout(m)));
    }
  });

  test('the LSTM at H 128 (V 65, E 32) has 4·(32+128+1)·128 + 65·32 + 129·65 parameters', () => {
    const m: ModelConfig = {
      vocabSize: 65,
      cell: 'lstm',
      embedSize: 32,
      hiddenSize: 128,
      layers: 1,
    };
    expect(countParameters(m)).toBe(4 * (32 + 128 + 1) * 128 + 65 * 32 + 129 * 65);
  });

  test.each(CELL_TYPES)('matching an LSTM’s count with a %s picks the nearest H', (cell) => {
    const lstm: ModelConfig = {
      vocabSize: 65,
      cell: 'lstm',
      embedSize: 32,
      hiddenSize: 128,
      layers: 2,
    };
    const target = countParameters(lstm);
    const other = { ...lstm, cell };
    const H = matchHiddenSize(other, target);
    const at = (h: number) => Math.abs(countParameters({ ...other, hiddenSize: h }) - target);
    // No H does better than the one chosen, its neighbours included.
    expect(at(H)).toBeLessThanOrEqual(at(H - 1));
    expect(at(H)).toBeLessThanOrEqual(at(H + 1));
    // Within one unit's worth of weights of the target.
    expect(at(H)).toBeLessThan(
      countParameters({ ...other, hiddenSize: H + 1 }) -
        countParameters({ ...other, hiddenSize: H }),
    );
    if (cell === 'lstm') expect(H).toBe(128);
    // Fewer gates per unit buy more units for the same weights.
    if (cell === 'gru') expect(H).toBeGreaterThan(128);
    if (cell === 'rnn')
      expect(H).toBeGreaterThan(matchHiddenSize({ ...lstm, cell: 'gru' }, target));
  });

  test('targets outside the range give its ends', () => {
    const m: ModelConfig = { vocabSize: 10, cell: 'rnn', embedSize: 4, hiddenSize: 1, layers: 1 };
    expect(matchHiddenSize(m, 0)).toBe(1);
    expect(matchHiddenSize(m, Number.MAX_SAFE_INTEGER)).toBe(2048);
  });
});
