// Diagnostics from the engine's events to the store: the wire's message (and
// what it transfers), the receiver's routing into the diagnostics slice keyed
// by model, and the slice's series across reports and rollbacks.
import { describe, expect, it } from 'vitest';
import type { DiagnosticsReport, MetricsReport } from '../../../src/engine/training/events';
import { useApp } from '../../../src/store/app';
import {
  addDiagnostics,
  addGradNorms,
  emptyDiagnostics,
  truncateDiagnostics,
} from '../../../src/store/diagnosticsSlice';
import { receive } from '../../../src/store/receiver';
import { decadeLabel, decades } from '../../../src/ui/components/diagnosticsChart';
import {
  transferablesOf,
  type DiagnosticsMessage,
  type EngineMessage,
} from '../../../src/worker/protocol';
import { trainingWire } from '../../../src/worker/trainingWire';

function report(step: number, scale = 1): DiagnosticsReport {
  return {
    step,
    cell: 'lstm',
    seqLen: 3,
    flow: {
      h: [Float32Array.from([1, 0.5, 0.25].map((x) => x * scale))],
      c: [Float32Array.from([1, 0.9, 0.8])],
      groupNorms: Float32Array.from([0.1, 0.2 * scale, 0.3]),
    },
    flowProblem: null,
    saturation: [[{ signal: 'f', low: 0.1, high: 0.2 * scale }]],
  };
}

function wired(): EngineMessage[] {
  const posted: EngineMessage[] = [];
  const wire = trainingWire(
    (m) => posted.push(m),
    () => {},
  );
  wire.diagnostics(report(4));
  const metrics: MetricsReport = {
    step: 2,
    epoch: 0,
    elapsedMs: 10,
    tokensPerSecond: 5,
    train: Float64Array.from([1, 3.1, 2, 3.0]),
    validation: new Float64Array(0),
    gradNorms: Float64Array.from([1, 2.5, 0, 2, 6, 1]),
  };
  wire.metrics(metrics);
  return posted;
}

describe('diagnostics on the wire', () => {
  it('become a diagnostics message; the gradient norms travel (transferred) with the metrics', () => {
    const [diagnostics, metrics] = wired();
    expect(diagnostics).toEqual({ type: 'diagnostics', model: 0, ...report(4) });
    expect(metrics.type).toBe('metrics');
    if (metrics.type !== 'metrics') return;
    expect(Array.from(metrics.gradNorms!)).toEqual([1, 2.5, 0, 2, 6, 1]);
    expect(transferablesOf(metrics)).toContain(metrics.gradNorms!.buffer);
    expect(transferablesOf(diagnostics)).toEqual([]);
  });

  it('reach the store under their model (0 when not said), and a new model clears them', () => {
    useApp.setState({ diagnostics: {} });
    for (const m of wired()) receive(m);
    receive({ type: 'diagnostics', ...report(6, 2), model: 1 });
    const { diagnostics } = useApp.getState();
    expect(Object.keys(diagnostics)).toEqual(['0', '1']);
    const zero = diagnostics[0];
    expect(zero.flow?.step).toBe(4);
    expect(Array.from(zero.flow!.h[0])).toEqual([1, 0.5, 0.25]);
    expect(zero.gradNorms).toEqual([
      { step: 1, norm: 2.5, clipped: false },
      { step: 2, norm: 6, clipped: true },
    ]);
    expect(diagnostics[1].flow?.step).toBe(6);
    expect(diagnostics[1].gradNorms).toEqual([]);
  });
});

describe('the diagnostics slice', () => {
  it('keeps the latest flow and one point per step of the other series', () => {
    let all = addDiagnostics({}, { type: 'diagnostics', ...report(4) });
    all = addDiagnostics(all, { type: 'diagnostics', ...report(8, 2) });
    // A second snapshot at the same step (paused, the probe text changed) replaces its point.
    all = addDiagnostics(all, { type: 'diagnostics', ...report(8, 3) });
    const d = all[0];
    expect(d.flow!.step).toBe(8);
    expect(d.flow!.h[0][0]).toBe(3);
    expect(d.groupNorms.map((p) => p.step)).toEqual([4, 8]);
    expect(d.groupNorms[1].norms[1]).toBeCloseTo(0.6);
    expect(d.saturation.map((p) => p.step)).toEqual([4, 8]);
  });

  it('keeps the last flow when a report has none, and says why', () => {
    let all = addDiagnostics({}, { type: 'diagnostics', ...report(4) });
    const without: DiagnosticsMessage = {
      type: 'diagnostics',
      ...report(9),
      flow: null,
      flowProblem: 'no probe',
    };
    all = addDiagnostics(all, without);
    expect(all[0].flow!.step).toBe(4);
    expect(all[0].flowProblem).toBe('no probe');
    expect(all[0].groupNorms.map((p) => p.step)).toEqual([4]);
    expect(all[0].saturation.map((p) => p.step)).toEqual([4, 9]);
  });

  it('drops the abandoned steps of the model that rolled back, and only its', () => {
    let all = addGradNorms({}, 0, Float64Array.from([1, 1, 0, 2, 2, 0, 3, 3, 1]));
    all = addDiagnostics(all, { type: 'diagnostics', ...report(1) });
    all = addDiagnostics(all, { type: 'diagnostics', ...report(3) });
    all = addDiagnostics(all, { type: 'diagnostics', ...report(3), model: 2 });
    const model2 = all[2];
    all = truncateDiagnostics(all, 2, 0);
    expect(all[0].gradNorms.map((p) => p.step)).toEqual([1, 2]);
    expect(all[0].groupNorms.map((p) => p.step)).toEqual([1]);
    expect(all[0].flow).toBeNull();
    expect(all[2]).toBe(model2);
    all = truncateDiagnostics(all, 2, 2);
    expect(all[2]).toEqual({ ...emptyDiagnostics(), cell: 'lstm', flowProblem: null });
  });
});

describe('log axes by decades', () => {
  it('span whole decades around the positive values, ticks at most about six', () => {
    expect(decades([0.03, 2, 0, NaN, -1])).toEqual({
      domain: [0.01, 10],
      ticks: [0.01, 0.1, 1, 10],
    });
    const wide = decades([1e-13, 1]);
    expect(wide.domain).toEqual([1e-13, 1]);
    expect(wide.ticks.length).toBeLessThanOrEqual(7);
    expect(wide.ticks.at(-1)).toBeCloseTo(1);
    expect(decades([5, 5]).domain).toEqual([1, 10]);
    expect(decades([]).domain).toEqual([0.01, 1]);
    expect([1e-3, 0.01, 1, 100, 1e4].map(decadeLabel)).toEqual(['1e-3', '0.01', '1', '100', '1e4']);
  });
});
