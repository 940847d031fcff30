// Train and validation loss against steps, in nats or bits per character,
// with the uniform-guess baseline ln V. Redrawn once a second at most from
// a thinned copy of the series, so a long run never slows the page.

import { useMemo, useState } from 'react';
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
function stepTicks(lastStep: number): { top: number; ticks: number[] } {
  const span = Math.max(10, lastStep);
  const raw = span / 5;
  const power = 10 ** Math.floor(Math.log10(raw));
  const stride = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? 10 * power;
  const top = Math.ceil(span / stride) * stride;
  const ticks: number[] = [];
  for (let v = 0; v <= top; v += stride) ticks.push(v);
  return { top, ticks };
}

interface Row {
  step: number;
  train?: number;
  validation?: number;
}

/**
 * Both series as one table by step: one data prop for the whole chart costs
 * recharts one store update per redraw instead of one per series.
 */
function mergeByStep(train: LossPoint[], validation: LossPoint[]): Row[] {
  const rows: Row[] = [];
  let a = 0;
  let b = 0;
  while (a < train.length || b < validation.length) {
    const ta = a < train.length ? train[a].step : Infinity;
    const tb = b < validation.length ? validation[b].step : Infinity;
    const step = Math.min(ta, tb);
    const row: Row = { step };
    if (ta === step) row.train = train[a++].loss;
    if (tb === step) row.validation = validation[b++].loss;
    rows.push(row);
  }
  return rows;
}

/** Round ticks from 0 to just above the highest loss (or the baseline). */
function yTicks(
  train: { loss: number }[],
  validation: { loss: number }[],
  baseline: number,
): { top: number; ticks: number[] } {
  let max = baseline;
  for (const p of train) if (p.loss > max) max = p.loss;
  for (const p of validation) if (p.loss > max) max = p.loss;
  const step = max > 8 ? 2 : max > 4 ? 1 : 0.5;
  const top = Math.max(step, Math.ceil((max * 1.02) / step) * step);
  const ticks: number[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) ticks.push(Number(v.toFixed(2)));
  return { top, ticks };
}
const MAX_POINTS = 200;

export function LossChart() {
  const [unit, setUnit] = useState<Unit>('nats');
  const snapshot = useThrottledMetrics(1000);
  const vocabSize = useApp((s) => s.active?.vocabSize ?? 0);
  const colors = themeColors(useColorScheme());
  const scale = unit === 'nats' ? 1 : 1 / LN2;

  const { train, validation, rows } = useMemo(() => {
    const convert = (points: { step: number; loss: number }[]) =>
      thin(points, MAX_POINTS).map((p) => ({ step: p.step, loss: p.loss * scale }));
    const train = convert(snapshot.train);
    const validation = convert(snapshot.validation);
    return { train, validation, rows: mergeByStep(train, validation) };
  }, [snapshot, scale]);

  const baseline = vocabSize > 1 ? Math.log(vocabSize) * scale : null;
  const { top, ticks } = useMemo(
    () => yTicks(train, validation, baseline ?? 0),
    [train, validation, baseline],
  );
  const lastStep = rows.length > 0 ? rows[rows.length - 1].step : 0;
  const xAxis = useMemo(() => stepTicks(lastStep), [lastStep]);
  const empty = train.length === 0 && validation.length === 0;

  return (
    <div>
      <div className="row between" style={{ marginBottom: 6 }}>
        <span className="hint legend">
          <span className="swatch" style={{ background: colors.train }} /> train
          <span className="swatch" style={{ background: colors.val }} /> validation
          {baseline !== null && (
            <>
              <span className="swatch dashed" /> uniform guess ln V = {baseline.toFixed(2)}
            </>
          )}
        </span>
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
      <div className="chart" role="img" aria-label="Loss curves for training and validation">
        {/* Mounted from the start, empty or not: recharts' first render is the costly one,
            and it should not land in the middle of training. */}
        {empty && (
          <div className="chart-empty overlay">Press Train: the loss curves appear here.</div>
        )}
        {
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 4, left: 0 }}>
              <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" vertical={false} />
              <XAxis
                dataKey="step"
                type="number"
                domain={[0, xAxis.top]}
                ticks={xAxis.ticks}
                interval={0}
                stroke={colors.axis}
                tick={<PlainTick fill={colors.axis} axis="x" />}
                label={{
                  value: 'step',
                  position: 'insideBottomRight',
                  offset: -2,
                  fill: colors.axis,
                  fontSize: 11,
                }}
              />
              <YAxis
                stroke={colors.axis}
                width={44}
                domain={[0, top]}
                ticks={ticks}
                interval={0}
                tick={<PlainTick fill={colors.axis} axis="y" />}
              />
              <Tooltip
                isAnimationActive={false}
                contentStyle={{
                  background: colors.bg,
                  border: `1px solid ${colors.grid}`,
                  borderRadius: 8,
                }}
                labelFormatter={(s) => `step ${s}`}
                formatter={(v) => (typeof v === 'number' ? v.toFixed(3) : String(v))}
              />
              {baseline !== null && (
                <ReferenceLine y={baseline} stroke={colors.axis} strokeDasharray="5 4" />
              )}
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
                dot={validation.length <= 40 ? { r: 2.5 } : false}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        }
      </div>
    </div>
  );
}
