// Train and validation loss against steps, in nats or bits per character,
// with the uniform-guess baseline ln V. Redrawn once a second at most from
// a thinned copy of the series, so a long run never slows the page. Compare
// runs draw a train line and a validation line per model, in the model's
// colour, the selected model's bolder; its legend names each
// model (cell, H, parameters) and picks one.

import { useEffect, useMemo, useState } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useApp } from '../../store/app';
import { thin, type LossPoint } from '../../store/metrics';
import { LN2 } from '../format';
import { modelColors, modelLabel } from '../modelLabel';
import { comparedLines, ModelLegend } from './CompareLegend';
import { themeColors, useColorScheme } from '../hooks/useColorScheme';
import { useThrottledMetrics } from '../hooks/useThrottledMetrics';

type Unit = 'nats' | 'bits';

/**
 * Our own tick ticks: given ticks (interval 0) and a plain <text> spare recharts
 * from measuring every label in the DOM on each redraw, which forces a layout.
 */
function PlainTick(props: {
  x?: number;
  y?: number;
  payload?: { value: number };
  fill: string;
  axis: 'x' | 'y';
}) {
  const { x = 0, y = 0, payload, fill, axis } = props;
  const v = payload?.value ?? 0;
  const label = Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(1);
  return axis === 'x' ? (
    <text x={x} y={y + 12} textAnchor="middle" fill={fill} fontSize={11}>
      {label}
    </text>
  ) : (
    <text x={x - 4} y={y + 4} textAnchor="end" fill={fill} fontSize={11}>
      {label}
    </text>
  );
}

/** Round step ticks (1, 2 or 5 × 10^k apart), about five of them, from 0 past the last step. */
function stepTicks(lastStep: number): { domain: [number, number]; ticks: number[] } {
  const span = Math.max(10, lastStep);
  const raw = span / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const stride = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const top = Math.ceil(span / stride) * stride;
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += stride) ticks.push(v);
  return { domain: [0, top], ticks };
}

/** A step and the loss of each series measured at it, keyed by series ('train', 't1', ...). */
type Row = { step: number } & Partial<Record<string, number>>;

/**
 * Every series as one table by step: one data prop for the whole chart costs
 * recharts one store update per redraw instead of one per series.
 */
function mergeByStep(series: { key: string; points: LossPoint[] }[]): Row[] {
  const rows: Row[] = [];
  const at = series.map(() => 0);
  for (;;) {
    let step = Infinity;
    series.forEach((s, k) => {
      if (at[k] < s.points.length) step = Math.min(step, s.points[at[k]].step);
    });
    if (step === Infinity) return rows;
    const row: Row = { step };
    series.forEach((s, k) => {
      if (at[k] < s.points.length && s.points[at[k]].step === step) {
        row[s.key] = s.points[at[k]++].loss;
      }
    });
    rows.push(row);
  }
}

/** A round top just above the highest loss (or the baseline), and the tick spacing under it. */
function yScale(series: { loss: number }[][], baseline: number): { top: number; spacing: number } {
  let max = baseline;
  for (const points of series) for (const p of points) if (p.loss > max) max = p.loss;
  const spacing = max > 8 ? 2 : max > 4 ? 1 : 0.5;
  return { top: Math.max(spacing, Math.ceil((max * 1.02) / spacing) * spacing), spacing };
}

function yTicks(top: number, spacing: number): number[] {
  const ticks: number[] = [];
  for (let v = 0; v <= top + 1e-9; v += spacing) ticks.push(Number(v.toFixed(2)));
  return ticks;
}
const MAX_POINTS = 200;
const CHART_MARGIN = { top: 8, right: 16, bottom: 4, left: 0 };
export const VALIDATION_DOT = { r: 2.5 };
const stepLabel = (step: unknown) => `step ${String(step)}`;
const lossLabel = (v: unknown) => (typeof v === 'number' ? v.toFixed(3) : String(v));

const WARM_UP_ROWS: Row[] = [
  { step: 0, train: 2, validation: 2 },
  { step: 1, train: 1, validation: 1 },
];

/**
 * A tiny chart drawn once, out of sight, while the page is idle, then
 * removed: the first time recharts draws lines it compiles a great deal of
 * code, which would otherwise make the first redraw after Train a long task.
 */
function WarmUp({ axis }: { axis: string }) {
  const [done, setDone] = useState(false);
  useEffect(() => {
    if (!done) requestAnimationFrame(() => setDone(true));
  }, [done]);
  if (done) return null;
  return (
    <div aria-hidden="true" style={{ position: 'absolute', left: -10_000, width: 120, height: 80 }}>
      <LineChart width={120} height={80} data={WARM_UP_ROWS} margin={CHART_MARGIN}>
        <CartesianGrid stroke={axis} strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="step" type="number" domain={[0, 1]} ticks={[0, 1]} interval={0} />
        <YAxis domain={[0, 2]} ticks={[0, 1, 2]} interval={0} />
        <Tooltip isAnimationActive={false} />
        <ReferenceLine y={1.5} stroke={axis} />
        <Line dataKey="train" stroke={axis} dot={false} isAnimationActive={false} />
        <Line dataKey="validation" stroke={axis} dot={VALIDATION_DOT} isAnimationActive={false} />
      </LineChart>
    </div>
  );
}

/** Mounts WarmUp once the browser is idle (or after a second at the latest). */
function useIdle(): boolean {
  const [idle, setIdle] = useState(false);
  useEffect(() => {
    const id = requestIdleCallback(() => setIdle(true), { timeout: 1000 });
    return () => cancelIdleCallback(id);
  }, []);
  return idle;
}

export function LossChart() {
  const idle = useIdle();
  const [unit, setUnit] = useState<Unit>('nats');
  const snapshot = useThrottledMetrics(1000);
  const vocabSize = useApp((s) => s.active?.vocabSize ?? 0);
  const colors = themeColors(useColorScheme());
  const scale = unit === 'nats' ? 1 : 1 / LN2;

  const compared = useApp((s) => s.compareModels);
  const selected = useApp((s) => s.selectedModel);
  // Compare runs: one train and one validation series per model the worker announced.
  const comparing = compared.length > 1;

  const { series, rows } = useMemo(() => {
    const convert = (points: { step: number; loss: number }[]) =>
      thin(points, MAX_POINTS).map((p) => ({ step: p.step, loss: p.loss * scale }));
    const series = comparing
      ? compared.flatMap((_, k) => [
          { key: `t${k}`, points: convert(snapshot.models[k]?.train ?? []) },
          { key: `v${k}`, points: convert(snapshot.models[k]?.validation ?? []) },
        ])
      : [
          { key: 'train', points: convert(snapshot.train) },
          { key: 'validation', points: convert(snapshot.validation) },
        ];
    return { series, rows: mergeByStep(series) };
  }, [snapshot, scale, comparing, compared]);
  const validation = series[1].points;

  const baseline = vocabSize > 1 ? Math.log(vocabSize) * scale : null;
  const { top, spacing } = useMemo(
    () =>
      yScale(
        series.map((s) => s.points),
        baseline ?? 0,
      ),
    [series, baseline],
  );
  // Kept while the scale holds, so new data alone does not redo the axis.
  const yAxis = useMemo(() => ({ domain: [0, top], ticks: yTicks(top, spacing) }), [top, spacing]);
  const lastStep = rows.length > 0 ? rows[rows.length - 1].step : 0;
  const xAxis = useMemo(() => stepTicks(lastStep), [lastStep]);
  const empty = series.every((s) => s.points.length === 0);
  const palette = modelColors(useColorScheme());
  // recharts 3 copies its props into an internal store and re-renders the chart when one
  // changes identity: every object and element prop is made once per colour scheme, so a
  // redraw with new data updates the data alone.
  const fixed = useMemo(
    () => ({
      xTick: <PlainTick fill={colors.axis} axis="x" />,
      yTick: <PlainTick fill={colors.axis} axis="y" />,
      xLabel: {
        value: 'step',
        position: 'insideBottomRight' as const,
        offset: -2,
        fill: colors.axis,
        fontSize: 11,
      },
      tooltipStyle: { background: colors.bg, border: `1px solid ${colors.grid}`, borderRadius: 8 },
    }),
    [colors.axis, colors.bg, colors.grid],
  );
  const validationDot = validation.length <= 40 ? VALIDATION_DOT : false;

  return (
    <div>
      <div className="row between" style={{ marginBottom: 6 }}>
        {comparing ? (
          <ModelLegend
            names={compared.map(modelLabel)}
            colors={palette}
            selected={selected}
            baseline={baseline}
          />
        ) : (
          <span className="hint legend">
            <span className="swatch" style={{ background: colors.train }} /> train
            <span className="swatch" style={{ background: colors.val }} /> validation
            {baseline !== null && (
              <>
                <span className="swatch dashed" /> uniform guess ln V = {baseline.toFixed(2)}
              </>
            )}
          </span>
        )}
        <div className="segmented" role="radiogroup" aria-label="Loss unit">
          {(['nats', 'bits'] as const).map((u) => (
            <label key={u}>
              <input
                type="radio"
                name="loss-unit"
                checked={unit === u}
                onChange={() => setUnit(u)}
              />
              {u === 'nats' ? 'nats' : 'bits/char'}
            </label>
          ))}
        </div>
      </div>
      {idle && <WarmUp axis={colors.axis} />}
      <div className="chart" role="img" aria-label="Loss curves for training and validation">
        {/* Mounted from the start, empty or not: recharts' first render is the costly one,
            and it should not land in the middle of training. */}
        {empty && (
          <div className="chart-empty overlay">Press Train: the loss curves appear here.</div>
        )}
        {
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={CHART_MARGIN}>
              <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" vertical={false} />
              <XAxis
                dataKey="step"
                type="number"
                domain={xAxis.domain}
                ticks={xAxis.ticks}
                interval={0}
                stroke={colors.axis}
                tick={fixed.xTick}
                label={fixed.xLabel}
              />
              <YAxis
                stroke={colors.axis}
                width={44}
                domain={yAxis.domain}
                ticks={yAxis.ticks}
                interval={0}
                tick={fixed.yTick}
              />
              <Tooltip
                isAnimationActive={false}
                contentStyle={fixed.tooltipStyle}
                labelFormatter={stepLabel}
                formatter={lossLabel}
              />
              {baseline !== null && (
                <ReferenceLine y={baseline} stroke={colors.axis} strokeDasharray="5 4" />
              )}
              {comparing ? (
                comparedLines(compared.map(modelLabel), palette, selected, validationDot)
              ) : (
                <>
                  <Line
                    dataKey="train"
                    name="train"
                    connectNulls
                    stroke={colors.train}
                    strokeWidth={1.6}
                    dot={false}
                    isAnimationActive={false}
                  />
                  <Line
                    dataKey="validation"
                    name="validation"
                    connectNulls
                    stroke={colors.val}
                    strokeWidth={2.2}
                    dot={validationDot}
                    isAnimationActive={false}
                  />
                </>
              )}
            </LineChart>
          </ResponsiveContainer>
        }
      </div>
    </div>
  );
}
