// Train and validation loss against steps, in nats or bits per character,
// with the uniform-guess baseline ln V. Redrawn once a second at most from
// a thinned copy of the series, so a long run never slows the page. Compare
// runs draw a train line and a validation line per model, in the model's
// colour, the selected model's bolder; its legend names each
// model (cell, H, parameters) and picks one.
//
// The learning rate each step used is drawn against a right-hand axis (of the
// selected model in a comparison) as soon as it has varied — a schedule, or a
// rollback's halving: a constant rate would add an axis that says nothing. Its
// axis is linear from 0, so a warm-up reads as the ramp it is and a cosine as
// its half wave; the rates span a few times at most (cosine's floor, a few
// decays), which a log axis would only flatten into awkward ticks. The best
// validation step (early stopping's) is marked on the validation curve.

import { useEffect, useMemo, useState } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceDot,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useApp } from '../../store/app';
import { thin, thinRates, type LossPoint, type RatePoint } from '../../store/metrics';
import { zoomedLossAxis } from '../lossZoom';
import { guessClasses, guessName } from '../taskView';
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
export function PlainTick(props: {
  x?: number;
  y?: number;
  payload?: { value: number };
  fill: string;
  /** 'rate': the right-hand learning-rate axis. */
  axis: 'x' | 'y' | 'rate';
}) {
  const { x = 0, y = 0, payload, fill, axis } = props;
  const v = payload?.value ?? 0;
  if (axis === 'rate') {
    return (
      <text className="rate-tick" x={x + 4} y={y + 4} textAnchor="start" fill={fill} fontSize={11}>
        {formatRate(v)}
      </text>
    );
  }
  // Zoomed loss ticks are 0.05 or 0.02 apart: up to three decimals, trailing zeros dropped.
  const label = Number.isInteger(v) ? v.toLocaleString('en-US') : String(Number(v.toFixed(3)));
  return axis === 'x' ? (
    <text x={x} y={y + 12} textAnchor="middle" fill={fill} fontSize={11}>
      {label}
    </text>
  ) : (
    <text className="loss-tick" x={x - 4} y={y + 4} textAnchor="end" fill={fill} fontSize={11}>
      {label}
    </text>
  );
}

/** A learning rate as the axis and tooltip write it: 0.002 → "2e-3", 0.0015 → "1.5e-3". */
export function formatRate(v: number): string {
  if (v === 0) return '0';
  const [mantissa, exponent] = v.toExponential(2).split('e');
  return `${String(Number(mantissa))}e${String(Number(exponent))}`;
}

/** Whether the rates the steps used differ: only then is the rate's line worth its axis. */
export function ratesVary(points: RatePoint[]): boolean {
  for (const p of points) if (p.rate !== points[0].rate) return true;
  return false;
}

/**
 * The rate axis: linear from 0 to a round top (1, 2 or 5 × 10^k apart, 2 to 5
 * ticks) above the highest rate, so the peak never runs along the plot's top
 * edge, where the losses start.
 */
export function rateAxis(highest: number): { domain: [number, number]; ticks: number[] } {
  if (!(highest > 0)) return { domain: [0, 1], ticks: [0, 1] };
  const max = highest * 1.05;
  const raw = max / 4;
  const power = 10 ** Math.floor(Math.log10(raw));
  const stride = [1, 2, 5, 10].map((m) => m * power).find((st) => st >= raw) ?? 10 * power;
  const top = Math.ceil(max / stride - 1e-9) * stride;
  const ticks: number[] = [];
  // Rounded to the stride's digits: 3 × 0.0002 is not quite 0.0006 in floating point.
  for (let k = 0; k * stride <= top + stride / 2; k++)
    ticks.push(Number((k * stride).toPrecision(6)));
  return { domain: [0, ticks[ticks.length - 1]], ticks };
}

/** Round step ticks (1, 2 or 5 × 10^k apart), about five of them, from 0 past the last step. */
export function stepTicks(lastStep: number): { domain: [number, number]; ticks: number[] } {
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
const RATE_NAME = 'learning rate';
/** Muted, and apart from the train, validation and compared models' hues. */
const RATE_COLOR = { light: '#7d8450', dark: '#a8b07a' } as const;
/** The tooltip's figures: losses to 3 decimals, the rate in its own notation. */
const tooltipValue = (v: unknown, name: unknown) =>
  name === RATE_NAME && typeof v === 'number' ? formatRate(v) : lossLabel(v);
/** The tooltip lists the losses first, the rate (drawn first, under them) last. */
const rateLast = (item: { name?: unknown }) => (item.name === RATE_NAME ? 1 : 0);
/** Room for the rate axis's ticks ("1.5e-3") right of the plot. */
const RATE_AXIS_WIDTH = 46;
const CHART_MARGIN_WITH_RATE = { ...CHART_MARGIN, right: 4 };

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
  // Zoomed: the Y axis fits the later losses, where overfitting shows (lossZoom.ts).
  const [zoomed, setZoomed] = useState(false);
  const snapshot = useThrottledMetrics(1000);
  // A uniform guess over the model's outputs: V characters, a tagger's 2 classes (taskView.ts).
  const vocabSize = useApp((s) => guessClasses(s.config.model.task, s.active?.vocabSize ?? 0));
  const baselineName = useApp((s) => guessName(s.config.model.task));
  const scheme = useColorScheme();
  const colors = { ...themeColors(scheme), rate: RATE_COLOR[scheme] };
  const forecast = useApp((s) => s.config.model.task === 'forecast');
  const scale = unit === 'nats' || forecast ? 1 : 1 / LN2;

  const compared = useApp((s) => s.compareModels);
  const selected = useApp((s) => s.selectedModel);
  // Compare runs: one train and one validation series per model the worker announced.
  const comparing = compared.length > 1;

  // The selected model's rates (the snapshot's top is the selected model's series).
  // (Its arrays grow in place: a new snapshot, not a new array, says they changed.)
  const showRate = useMemo(() => ratesVary(snapshot.learningRates), [snapshot]);

  const { series, rows, maxRate } = useMemo(() => {
    const convert = (points: { step: number; loss: number }[]) =>
      thin(points, MAX_POINTS).map((p) => ({ step: p.step, loss: p.loss * scale }));
    // Thinned into the train series' buckets (same steps), so the rate adds few rows.
    const ratePoints = showRate
      ? thinRates(snapshot.learningRates, MAX_POINTS).map((p) => ({ step: p.step, loss: p.rate }))
      : [];
    const series = comparing
      ? compared.flatMap((_, k) => [
          { key: `t${k}`, points: convert(snapshot.models[k]?.train ?? []) },
          { key: `v${k}`, points: convert(snapshot.models[k]?.validation ?? []) },
        ])
      : [
          { key: 'train', points: convert(snapshot.train) },
          { key: 'validation', points: convert(snapshot.validation) },
        ];
    let maxRate = 0;
    for (const p of ratePoints) if (p.loss > maxRate) maxRate = p.loss;
    return { series, rows: mergeByStep([...series, { key: 'lr', points: ratePoints }]), maxRate };
  }, [snapshot, scale, comparing, compared, showRate]);
  const rateY = useMemo(() => rateAxis(maxRate), [maxRate]);
  const best = useApp((s) => s.bestValidation);
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
  const fullAxis = useMemo(
    () => ({ domain: [0, top] as [number, number], ticks: yTicks(top, spacing) }),
    [top, spacing],
  );
  const zoomAxis = useMemo(
    () => (zoomed ? zoomedLossAxis(series.map((s) => s.points)) : null),
    [zoomed, series],
  );
  // A zoomed axis changes with every report; kept while its ticks hold, like the full one.
  const zoomKey = zoomAxis?.ticks.join(' ');
  // eslint-disable-next-line react-hooks/exhaustive-deps -- zoomKey stands for zoomAxis
  const yAxis = useMemo(() => zoomAxis ?? fullAxis, [zoomKey, fullAxis]);
  const lastStep = rows.length > 0 ? rows[rows.length - 1].step : 0;
  const xAxis = useMemo(() => stepTicks(lastStep), [lastStep]);
  const empty = series.every((s) => s.points.length === 0);
  const palette = modelColors(useColorScheme());
  // The best step's marker takes the colour of the validation curve it sits on.
  const bestColor = comparing ? palette[selected % palette.length] : colors.val;
  // recharts 3 copies its props into an internal store and re-renders the chart when one
  // changes identity: every object and element prop is made once per colour scheme, so a
  // redraw with new data updates the data alone.
  const fixed = useMemo(
    () => ({
      xTick: <PlainTick fill={colors.axis} axis="x" />,
      yTick: <PlainTick fill={colors.axis} axis="y" />,
      rateTick: <PlainTick fill={colors.rate} axis="rate" />,
      xLabel: {
        value: 'step',
        position: 'insideBottomRight' as const,
        offset: -2,
        fill: colors.axis,
        fontSize: 11,
      },
      tooltipStyle: { background: colors.bg, border: `1px solid ${colors.grid}`, borderRadius: 8 },
    }),
    [colors.axis, colors.bg, colors.grid, colors.rate],
  );
  const bestMarks = useMemo(
    () => ({
      label: {
        value: 'best',
        // Left of the line: right of it, a late best step's label would run into the rate axis.
        position: 'insideTopRight' as const,
        fill: bestColor,
        fontSize: 11,
        fontWeight: 600,
      },
      dot: { r: 6, fill: bestColor, stroke: colors.bg, strokeWidth: 2.5 },
    }),
    [bestColor, colors.bg],
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
            baselineName={baselineName}
          />
        ) : (
          <span className="hint legend">
            <span className="swatch" style={{ background: colors.train }} /> train
            <span className="swatch" style={{ background: colors.val }} /> validation
            {baseline !== null && (
              <>
                <span className="swatch dashed" /> uniform guess {baselineName} ={' '}
                {baseline.toFixed(2)}
              </>
            )}
            {showRate && <RateLegend color={colors.rate} />}
          </span>
        )}
        {comparing && showRate && (
          <span className="hint legend">
            <RateLegend color={colors.rate} /> (selected model)
          </span>
        )}
        <div className="row">
          <div className="segmented" role="radiogroup" aria-label="Loss range">
            {([false, true] as const).map((z) => (
              <label
                key={String(z)}
                title={
                  z
                    ? 'Fit the axis to the later losses, where a rising validation loss shows'
                    : 'The whole range, from the untrained model on'
                }
              >
                <input
                  type="radio"
                  name="loss-range"
                  checked={zoomed === z}
                  onChange={() => setZoomed(z)}
                />
                {z ? 'Zoom' : 'Full'}
              </label>
            ))}
          </div>
          {/* A forecast's loss is a squared error: it has no bits. */}
          {!forecast && (
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
          )}
        </div>
      </div>
      {idle && <WarmUp axis={colors.axis} />}
      <div
        className="chart"
        role="img"
        aria-label={
          showRate
            ? 'Loss curves for training and validation, with the learning rate'
            : 'Loss curves for training and validation'
        }
      >
        {/* Mounted from the start, empty or not: recharts' first render is the costly one,
            and it should not land in the middle of training. */}
        {empty && (
          <div className="chart-empty overlay">Press Train: the loss curves appear here.</div>
        )}
        {
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={showRate ? CHART_MARGIN_WITH_RATE : CHART_MARGIN}>
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
                // Zoomed, the first steps' losses lie above the axis: clipped, not rescaled.
                allowDataOverflow={zoomed}
              />
              {showRate && (
                <YAxis
                  yAxisId="lr"
                  orientation="right"
                  className="rate-axis"
                  stroke={colors.rate}
                  width={RATE_AXIS_WIDTH}
                  domain={rateY.domain}
                  ticks={rateY.ticks}
                  interval={0}
                  tick={fixed.rateTick}
                />
              )}
              <Tooltip
                isAnimationActive={false}
                contentStyle={fixed.tooltipStyle}
                labelFormatter={stepLabel}
                formatter={tooltipValue}
                itemSorter={rateLast}
              />
              {baseline !== null && (
                <ReferenceLine y={baseline} stroke={colors.axis} strokeDasharray="5 4" />
              )}
              {showRate && (
                <Line
                  yAxisId="lr"
                  dataKey="lr"
                  name={RATE_NAME}
                  className="rate-line"
                  type="stepBefore"
                  connectNulls
                  stroke={colors.rate}
                  strokeWidth={1.2}
                  dot={false}
                  isAnimationActive={false}
                />
              )}
              {best && (
                <ReferenceLine
                  x={best.step}
                  className="best-step"
                  stroke={bestColor}
                  strokeOpacity={0.35}
                  strokeDasharray="2 3"
                  label={bestMarks.label}
                />
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
              {best && (
                // After the lines, so the marker is drawn over the curve it marks.
                <ReferenceDot
                  x={best.step}
                  y={best.loss * scale}
                  className="best-dot"
                  {...bestMarks.dot}
                />
              )}
            </LineChart>
          </ResponsiveContainer>
        }
      </div>
    </div>
  );
}

/** The rate's legend entry: a thin line in its colour. */
function RateLegend({ color }: { color: string }) {
  return (
    <>
      <span className="swatch rate" style={{ background: color }} /> learning rate
    </>
  );
}
