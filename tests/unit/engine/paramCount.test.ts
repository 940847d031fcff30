// Parameter counts match their closed forms (tasks and directions included),
// and matching a target count picks the H whose count is nearest.

import { describe, expect, test } from 'vitest';
import { CELL_TYPES } from '../../../src/engine/cells';
import type { ModelConfig } from '../../../src/engine/config';
import { countParameters, matchHiddenSize } from '../../../src/engine/paramCount';

describe('parameter counts', () => {
  test('a bidirectional GRU tagger counts both directions and a (2H, 2) head', () => {
    // V 30, E 8, H 16, L 2: layer 0 reads E, layer 1 reads 2H; per direction
    // wx X·3H, wh H·3H, b 3H, b_hn H; head 2H·2 + 2.
    const m: ModelConfig = {
      vocabSize: 30,
      task: 'spaces',
      direction: 'bi',
      cell: 'gru',
      embedSize: 8,
      hiddenSize: 16,
      layers: 2,
    };
    const H = 16;
    const direction = (X: number) => X * 3 * H + H * 3 * H + 3 * H + H;
    expect(countParameters(m)).toBe(
      30 * 8 + 2 * direction(8) + 2 * direction(2 * H) + 2 * H * 2 + 2,
    );
  });

  test('a forecast has no embedding: Ci inputs, Co outputs', () => {
    const m: ModelConfig = {
      vocabSize: 0,
      task: 'forecast',
      seriesInputs: 3,
      seriesOutputs: 2,
      cell: 'lstm',
      embedSize: 32,
      hiddenSize: 10,
      layers: 1,
    };
    expect(countParameters(m)).toBe(4 * (3 + 10 + 1) * 10 + 10 * 2 + 2);
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
