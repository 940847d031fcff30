// The loss chart's zoomed Y axis (src/ui/lossZoom.ts): fitted to the later
// part of the run, so a late rise of the validation loss fills the plot.

import { describe, expect, it } from 'vitest';
import { zoomedLossAxis } from '../../../src/ui/lossZoom';

/** A run whose training loss falls from ln 30 and whose validation turns up at step 120. */
function overfitting() {
  const train = Array.from({ length: 200 }, (_, k) => ({
    step: k + 1,
    loss: 0.3 + 3.1 * Math.exp(-(k + 1) / 15),
  }));
  const validation = Array.from({ length: 8 }, (_, k) => {
    const step = (k + 1) * 25;
    return { step, loss: step <= 120 ? 0.5 - step / 2000 : 0.44 + (step - 120) / 2000 };
  });
  return [train, validation];
}

describe('zoomed loss axis', () => {
  it('spans the later losses only, with round ticks around them', () => {
    const axis = zoomedLossAxis(overfitting())!;
    const [bottom, top] = axis.domain;
    // From step 50 on the losses lie in [0.30, 0.48]: the axis holds them, not ln V ≈ 3.4.
    expect(bottom).toBeLessThanOrEqual(0.3);
    expect(top).toBeGreaterThanOrEqual(0.48);
    expect(top).toBeLessThan(0.8);
    expect(bottom).toBeGreaterThanOrEqual(0);
    // Evenly spaced, rounded ticks from bottom to top.
    expect(axis.ticks[0]).toBe(bottom);
    expect(axis.ticks.at(-1)).toBe(top);
    const gaps = axis.ticks.slice(1).map((t, k) => t - axis.ticks[k]);
    for (const g of gaps) expect(g).toBeCloseTo(gaps[0], 9);
    for (const t of axis.ticks) expect(String(t).length).toBeLessThanOrEqual(5);
  });

  it('leaves out non-finite losses and has no axis before any loss', () => {
    expect(zoomedLossAxis([[], []])).toBeNull();
    const axis = zoomedLossAxis([
      [
        { step: 10, loss: 1 },
        { step: 20, loss: NaN },
        { step: 30, loss: 1.2 },
      ],
    ])!;
    expect(axis.domain[0]).toBeLessThanOrEqual(1);
    expect(axis.domain[1]).toBeGreaterThanOrEqual(1.2);
    expect(Number.isFinite(axis.domain[1])).toBe(true);
  });

  it('keeps a flat run readable: a minimum height around a constant loss', () => {
    const axis = zoomedLossAxis([[1, 2, 3].map((step) => ({ step, loss: 0.5 }))])!;
    expect(axis.domain[0]).toBeLessThan(0.5);
    expect(axis.domain[1]).toBeGreaterThan(0.5);
  });
});
