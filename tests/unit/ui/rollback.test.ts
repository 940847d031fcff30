// After the engine rolls back (divergence), the page's loss curves drop the
// abandoned steps and go on from the snapshot's step; so does the history a
// checkpoint carries in the worker.
import { describe, expect, it } from 'vitest';
import type { MetricsMessage } from '../../../src/worker/protocol';
import { metrics } from '../../../src/store/metrics';
import { LossHistory } from '../../../src/worker/history';

function message(step: number, train: number[], validation: number[] = []): MetricsMessage {
  return {
    type: 'metrics',
    step,
    epoch: 0,
    elapsedMs: 0,
    tokensPerSecond: 0,
    train: Float64Array.from(train),
    validation: Float64Array.from(validation),
  };
}

describe('a rollback truncates the loss curves', () => {
  it('on the page: points past the step go, later points follow on', () => {
    metrics.clear();
    metrics.append(message(4, [1, 3, 2, 2.5, 3, 2.4, 4, 2.3], [0, 3.3, 4, 2.6]));
    const version = metrics.get().version;
    metrics.truncate(2);
    expect(metrics.get().train.map((p) => p.step)).toEqual([1, 2]);
    expect(metrics.get().validation.map((p) => p.step)).toEqual([0]);
    expect(metrics.get().step).toBe(2);
    expect(metrics.get().version).toBeGreaterThan(version);
    metrics.append(message(3, [3, 2.45]));
    expect(metrics.get().train.map((p) => p.step)).toEqual([1, 2, 3]);
  });

  it('in the worker history a checkpoint carries', () => {
    const history = new LossHistory();
    history.add(message(4, [1, 3, 2, 2.5, 3, 2.4, 4, NaN], [0, 3.3, 4, 2.6]));
    history.truncate(2);
    history.add(message(3, [3, 2.45]));
    expect(history.toJSON()).toEqual({ train: [1, 3, 2, 2.5, 3, 2.45], validation: [0, 3.3] });
    expect(history.lastLoss).toBe(3.3);
  });
});
