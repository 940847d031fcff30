// The learning rate on the loss chart, without a browser: the chart (rendered
// to markup, as the other panel tests do; recharts draws its SVG only in a
// browser, which tests/e2e/rateChart.test.ts covers) names the rate in its
// legend and label once the steps' rates have varied, and not for a constant
// rate; the rate axis's ticks and their notation; the rates thinned into the
// train losses' buckets without averaging a drop away.

import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { afterEach, describe, expect, it } from 'vitest';
import { scheduledRate } from '../../../src/engine/training/schedule';
import { DEFAULT_OPTIMIZER } from '../../../src/engine/config';
import { metrics, thin, thinRates, type RatePoint } from '../../../src/store/metrics';
import { formatRate, LossChart, rateAxis, ratesVary } from '../../../src/ui/components/LossChart';
import type { MetricsMessage } from '../../../src/worker/protocol';

function message(steps: number, rateOf: (step: number) => number): MetricsMessage {
  const train: number[] = [];
  const learningRates: number[] = [];
  for (let step = 1; step <= steps; step++) {
    train.push(step, 3 - step / steps);
    learningRates.push(step, rateOf(step));
  }
  return {
    type: 'metrics',
    step: steps,
    epoch: 0,
    elapsedMs: 0,
    tokensPerSecond: 0,
    train: Float64Array.from(train),
    validation: Float64Array.from([0, 3.2]),
    learningRates: Float64Array.from(learningRates),
  };
}

const cosine = { ...DEFAULT_OPTIMIZER, schedule: 'cosine' as const, warmupSteps: 10 };
const shown = () => renderToStaticMarkup(createElement(LossChart));

afterEach(() => metrics.clear());

describe('the loss chart and the learning rate', () => {
  it('names the rate in its legend and label once the rates vary (a schedule)', () => {
    metrics.append(message(50, (step) => scheduledRate(cosine, step)));
    const html = shown();
    expect(html).toContain('learning rate');
    expect(html).toContain(
      'aria-label="Loss curves for training and validation, with the learning rate"',
    );
  });

  it('leaves it out for a constant rate, and shows it once a rollback halves it', () => {
    metrics.append(message(50, () => 5e-3));
    expect(shown()).not.toContain('learning rate');
    expect(shown()).toContain('aria-label="Loss curves for training and validation"');
    metrics.truncate(40);
    metrics.append({ ...message(0, () => 0), learningRates: Float64Array.from([41, 2.5e-3]) });
    expect(shown()).toContain('learning rate');
  });

  it('writes rates short, on a linear axis from 0 to a round top', () => {
    expect([0, 0.01, 0.005, 0.0015, 0.000123, 1].map(formatRate)).toEqual([
      '0',
      '1e-2',
      '5e-3',
      '1.5e-3',
      '1.23e-4',
      '1e0',
    ]);
    expect(rateAxis(0.01)).toEqual({ domain: [0, 0.015], ticks: [0, 0.005, 0.01, 0.015] });
    expect(rateAxis(0.003)).toEqual({ domain: [0, 0.004], ticks: [0, 0.001, 0.002, 0.003, 0.004] });
    expect(rateAxis(0.0007)).toEqual({
      domain: [0, 0.0008],
      ticks: [0, 0.0002, 0.0004, 0.0006, 0.0008],
    });
    // Every top is above the highest rate, with 2 to 5 ticks.
    for (const max of [1e-6, 3.3e-4, 2.2e-3, 0.0101, 0.9]) {
      const { domain, ticks } = rateAxis(max);
      expect(domain[1]).toBeGreaterThan(max);
      expect(domain[1]).toBeLessThan(max * 2.6);
      expect(ticks.length).toBeGreaterThanOrEqual(2);
      expect(ticks.length).toBeLessThanOrEqual(5);
    }
    expect(
      ratesVary([
        { step: 1, rate: 1e-3 },
        { step: 2, rate: 1e-3 },
      ]),
    ).toBe(false);
    expect(
      ratesVary([
        { step: 1, rate: 1e-3 },
        { step: 2, rate: 5e-4 },
      ]),
    ).toBe(true);
  });

  it('thins the rates into the train buckets, keeping rates that were used', () => {
    const steps = 1000;
    const rateOf = (step: number) => (step <= 500 ? 1e-2 : 5e-3);
    const rates: RatePoint[] = [];
    const losses = [];
    for (let step = 1; step <= steps; step++) {
      rates.push({ step, rate: rateOf(step) });
      losses.push({ step, loss: 1 });
    }
    const thinned = thinRates(rates, 200);
    expect(thinned).toHaveLength(200);
    expect(thinned.map((p) => p.step)).toEqual(thin(losses, 200).map((p) => p.step));
    // No average across the drop: every rate is the one its step used.
    for (const p of thinned) expect(p.rate).toBe(rateOf(p.step));
    expect(thinned.at(-1)).toEqual({ step: steps, rate: 5e-3 });
  });
});
