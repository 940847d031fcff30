import { describe, expect, it } from 'vitest';
import { ThroughputMeter } from '../../../src/engine/throughput';

describe('ThroughputMeter', () => {
  it('counts tokens of finished steps over the time they took', () => {
    const meter = new ThroughputMeter(128); // B·T = 128 tokens per step
    meter.recordLosses(1000, 0);
    meter.recordLosses(1500, 4);
    meter.recordLosses(2000, 10);
    expect(meter.tokensPerSecond).toBeCloseTo((10 * 128) / 1, 6);
  });

  it('measures over the last few seconds only, and afresh after a restart', () => {
    const meter = new ThroughputMeter(10);
    // 100 steps/s for 5 s, then 10 steps/s.
    let step = 0;
    for (let t = 0; t <= 5000; t += 500) meter.recordLosses(t, (step = t / 10));
    for (let t = 5500; t <= 10000; t += 500) meter.recordLosses(t, (step += 5));
    expect(meter.tokensPerSecond).toBeCloseTo(10 * 10, 0);
    meter.restart();
    meter.recordLosses(20000, step);
    meter.recordLosses(20100, step + 1); // under 0.2 s: not yet a measurement
    expect(meter.tokensPerSecond).toBeCloseTo(100, 0);
    meter.recordLosses(21000, step + 50);
    expect(meter.tokensPerSecond).toBeCloseTo(50 * 10, 6);
  });

  it('times a step from finished steps between training ticks', () => {
    const meter = new ThroughputMeter(1);
    meter.recordTick(0, 0, true);
    expect(meter.stepMs).toBe(0);
    meter.recordTick(100, 0, true); // nothing finished yet: the mark stays at t = 0
    meter.recordTick(400, 4, true);
    expect(meter.stepMs).toBeCloseTo(100, 9);
    meter.recordTick(700, 5, true); // 300 ms for one step, averaged in
    expect(meter.stepMs).toBeCloseTo(0.7 * 100 + 0.3 * 300, 9);
    // A paused single step forgets the mark, so the pause is not counted as step time.
    meter.recordTick(60_000, 6, false);
    meter.recordTick(60_050, 6, true);
    meter.recordTick(60_250, 8, true);
    expect(meter.stepMs).toBeCloseTo(0.7 * 160 + 0.3 * 100, 9);
  });
});
