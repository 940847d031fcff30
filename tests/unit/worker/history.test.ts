// The loss history a checkpoint carries: bounded however long a run trains,
// averaged (not dropped) when thinned, and robust to a malformed record; the
// learning rates beside it, thinned without blurring a step decay's drops.
import { describe, expect, it } from 'vitest';
import type { MetricsMessage } from '../../../src/worker/protocol';
import { LossHistory } from '../../../src/worker/history';

function metrics(train: number[], validation: number[] = []): MetricsMessage {
  return {
    type: 'metrics',
    step: 0,
    epoch: 0,
    elapsedMs: 0,
    tokensPerSecond: 0,
    train: Float64Array.from(train),
    validation: Float64Array.from(validation),
  };
}

describe('LossHistory', () => {
  it('keeps every point of a short run and round-trips through JSON', () => {
    const history = new LossHistory();
    history.add(metrics([1, 3.0, 2, 2.5], [0, 3.2]));
    history.add(metrics([3, 2.0]));
    const copy = new LossHistory();
    copy.restore(JSON.stringify(history.toJSON()));
    expect(copy.toJSON()).toEqual({ train: [1, 3, 2, 2.5, 3, 2], validation: [0, 3.2] });
    expect(copy.lastLoss).toBe(3.2);
  });

  it('stays bounded over a long run, averaging neighbours, near the mean', () => {
    const history = new LossHistory();
    let sum = 0;
    const steps = 100_000;
    for (let s = 1; s <= steps; s += 100) {
      const batch: number[] = [];
      for (let k = s; k < s + 100; k++) {
        const loss = 2 + Math.sin(k / 50);
        sum += loss;
        batch.push(k, loss);
      }
      history.add(metrics(batch));
    }
    const { train } = history.toJSON();
    expect(train.length / 2).toBeLessThanOrEqual(4000);
    expect(train.length / 2).toBeGreaterThan(1000);
    let kept = 0;
    for (let k = 1; k < train.length; k += 2) kept += train[k];
    // Older points stand for more steps than newer ones, so the plain mean is close, not equal.
    expect(Math.abs(kept / (train.length / 2) - sum / steps)).toBeLessThan(0.02);
    // Steps stay increasing, and the last one is the last step trained.
    for (let k = 2; k < train.length; k += 2) expect(train[k]).toBeGreaterThan(train[k - 2]);
    expect(train[train.length - 2]).toBe(steps);
  });

  it('leaves the history empty for a record that does not parse or has odd pairs', () => {
    const history = new LossHistory();
    for (const bad of ['{', '{"train":[1,2,3]}', '{"train":["a","b"]}', 'null']) {
      history.restore(bad);
      expect(history.toJSON().train).toEqual([]);
    }
    expect(history.lastLoss).toBeUndefined();
  });

  it('keeps the learning rates per step, truncates them at a rollback and replays them', () => {
    const history = new LossHistory();
    const rates = (xs: number[]) => ({ ...metrics([]), learningRates: Float64Array.from(xs) });
    history.add({
      ...rates([1, 1e-3, 2, 2e-3, 3, 3e-3]),
      train: Float64Array.from([1, 3, 2, 2.9, 3, 2.8]),
    });
    history.truncate(2);
    history.add(rates([3, 1e-3]));
    const copy = new LossHistory();
    copy.restore(JSON.stringify(history.toJSON()));
    expect(copy.toJSON().learningRates).toEqual([1, 1e-3, 2, 2e-3, 3, 1e-3]);
    expect(Array.from(copy.asMessage(3, 0, 0).learningRates ?? [])).toEqual([
      1, 1e-3, 2, 2e-3, 3, 1e-3,
    ]);
    // A record saved before rates were kept replays without them.
    copy.restore(JSON.stringify({ train: [1, 3], validation: [] }));
    expect(copy.asMessage(1, 0, 0).learningRates).toBeUndefined();
  });

  it('thins a long run of rates keeping the later of each pair: a step decay stays a step', () => {
    const history = new LossHistory();
    const steps = 20_000;
    const rateOf = (step: number) => (step <= 10_000 ? 1e-2 : 5e-3);
    for (let s = 1; s <= steps; s += 100) {
      const batch: number[] = [];
      for (let k = s; k < s + 100; k++) batch.push(k, rateOf(k));
      history.add({ ...metrics([]), learningRates: Float64Array.from(batch) });
    }
    const kept = history.toJSON().learningRates ?? [];
    expect(kept.length / 2).toBeLessThanOrEqual(4000);
    expect(kept.length / 2).toBeGreaterThan(1000);
    // Only the two rates, each at a step where it was the rate: no average between them.
    for (let k = 0; k < kept.length; k += 2) expect(kept[k + 1]).toBe(rateOf(kept[k]));
    expect(kept[kept.length - 2]).toBe(steps);
  });
});
