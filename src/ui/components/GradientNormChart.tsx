// Gradient norms over training, on log axes: the global norm of every step
// (before clipping) with the steps clipping scaled marked, and the norm per
// parameter group (embedding, each layer, head) at each gate snapshot. A
// layer whose norm sinks decades below the head's is one the gradient
// barely reaches.
//
// Dimension legend: L layers (L + 2 groups).

import { useMemo } from 'react';
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
import type { GradNormPoint, GroupNormPoint } from '../../store/diagnosticsSlice';
import { themeColors, useColorScheme } from '../hooks/useColorScheme';
import {
  ChartFrame,
  clipColor,
  decadeLabel,
  decades,
  DIAG_MARGIN,
  seriesColors,
  Swatch,
  thinRows,
  useModelDiagnostics,
} from './diagnosticsChart';

const MAX_ROWS = 240;

interface NormRow {
  step: number;
  norm: number;
  /** The bucket's largest norm when clipping scaled a step in it. */
  clipped?: number;
}

/** At most MAX_ROWS rows: bucket means, a clipped step in a bucket marks it. */
function bucketed(points: GradNormPoint[]): NormRow[] {
  const n = points.length;
  const size = Math.max(1, Math.ceil(n / MAX_ROWS));
  const rows: NormRow[] = [];
  for (let from = 0; from < n; from += size) {
    const to = Math.min(n, from + size);
    let sum = 0;
    let count = 0;
    let clipped: number | undefined;
    for (let k = from; k < to; k++) {
      const { norm } = points[k];
      if (!Number.isFinite(norm)) continue;
      sum += norm;
      count++;
      if (points[k].clipped) clipped = Math.max(clipped ?? 0, norm);
    }
    if (count > 0) rows.push({ step: points[to - 1].step, norm: sum / count, clipped });
  }
  return rows;
}

const stepLabel = (step: unknown) => `step ${String(step)}`;
const normLabel = (v: unknown) => (typeof v === 'number' ? v.toPrecision(3) : String(v));

function useAxisStyle() {
  const scheme = useColorScheme();
  const colors = themeColors(scheme);
  return useMemo(
    () => ({
      scheme,
      colors,
      tick: { fill: colors.axis, fontSize: 11 },
      xLabel: {
        value: 'step',
        position: 'insideBottomRight' as const,
        offset: -2,
        fill: colors.axis,
        fontSize: 11,
      },
      tooltip: { background: colors.bg, border: `1px solid ${colors.grid}`, borderRadius: 8 },
    }),
    // eslint-disable-next-line react-hooks/exhaustive-deps -- colors follow the scheme
    [scheme],
  );
}

export function GradientNormChart({ model = 0 }: { model?: number }) {
  const { gradNorms } = useModelDiagnostics(model);
  const clipNorm = useApp((s) => s.config.train.optimizer.clipNorm);
  const style = useAxisStyle();
  const clip = clipColor(style.scheme);
  // The store appends to this array in place: its length says when it grew.
  const count = gradNorms.length;
  const rows = useMemo(() => bucketed(gradNorms.slice(0, count)), [gradNorms, count]);
  const clips = useMemo(
    () => gradNorms.slice(0, count).filter((p) => p.clipped).length,
    [gradNorms, count],
  );
  const y = useMemo(
    () => decades([...rows.map((r) => r.norm), ...(clipNorm > 0 ? [clipNorm] : [])]),
    [rows, clipNorm],
  );
  return (
    <ChartFrame
      title="Gradient norm"
      hint="‖∇L‖ of every step; dots: clipping scaled it down"
      label="Global gradient norm per step, with the clipped steps marked"
      empty={rows.length === 0 ? 'The norm of every step appears here.' : null}
      legend={
        <>
          <Swatch color={style.colors.train} name="‖∇L‖" />
          <Swatch color={clip} name={`clipped (${clips} of ${count} steps)`} />
          {clipNorm > 0 && <Swatch color={style.colors.axis} name={`clip ${clipNorm}`} dashed />}
        </>
      }
    >
      <ResponsiveContainer width="100%" height="100%">
        {/* Remounted when the theme flips: recharts 3 keeps some colours it was first given. */}
        <LineChart key={style.scheme} data={rows} margin={DIAG_MARGIN}>
          <CartesianGrid stroke={style.colors.grid} strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="step"
            type="number"
            domain={['dataMin', 'dataMax']}
            stroke={style.colors.axis}
            tick={style.tick}
            label={style.xLabel}
          />
          <YAxis
            scale="log"
            type="number"
            domain={y.domain}
            ticks={y.ticks}
            interval={0}
            allowDataOverflow
            stroke={style.colors.axis}
            width={48}
            tick={style.tick}
            tickFormatter={decadeLabel}
          />
          <Tooltip
            isAnimationActive={false}
            contentStyle={style.tooltip}
            labelFormatter={stepLabel}
            formatter={normLabel}
          />
          {clipNorm > 0 && (
            <ReferenceLine y={clipNorm} stroke={style.colors.axis} strokeDasharray="5 4" />
          )}
          <Line
            dataKey="norm"
            name="‖∇L‖"
            stroke={style.colors.train}
            strokeWidth={1.4}
            dot={false}
            isAnimationActive={false}
          />
          <Line
            dataKey="clipped"
            name="clipped"
            stroke="none"
            dot={{ r: 2.5, fill: clip, stroke: clip }}
            activeDot={false}
            isAnimationActive={false}
          />
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}

/** The name of group g of L + 2: embedding, layer 0 … L − 1, head. */
function groupName(g: number, groups: number): string {
  if (g === 0) return 'embedding';
  if (g === groups - 1) return 'head';
  return `layer ${g - 1}`;
}

type GroupRow = { step: number } & Record<string, number | undefined>;

function groupRows(points: GroupNormPoint[]): GroupRow[] {
  return thinRows(points, MAX_ROWS).map((p) => {
    const row: GroupRow = { step: p.step };
    p.norms.forEach((v, g) => (row[`g${g}`] = v > 0 ? v : undefined));
    return row;
  });
}

export function GroupNormChart({ model = 0 }: { model?: number }) {
  const { groupNorms } = useModelDiagnostics(model);
  const style = useAxisStyle();
  const palette = seriesColors(style.scheme);
  const rows = useMemo(() => groupRows(groupNorms), [groupNorms]);
  const groups = groupNorms.at(-1)?.norms.length ?? 0;
  // Groups a model lacks (a forecaster reads values: no embedding) have no norm: not listed.
  const shown = useMemo(
    () =>
      Array.from({ length: groups }, (_, g) => g).filter((g) =>
        groupNorms.some((p) => (p.norms[g] ?? 0) > 0),
      ),
    [groupNorms, groups],
  );
  const y = useMemo(() => decades(groupNorms.flatMap((p) => p.norms)), [groupNorms]);
  return (
    <ChartFrame
      title="Gradient per layer"
      hint="‖∂L/∂θ‖ of each layer's weights at each snapshot: a layer far below the head learns slowly"
      label="Gradient norm per parameter group over training"
      empty={rows.length === 0 ? 'The norm per layer appears with the gate snapshots.' : null}
      legend={shown.map((g) => (
        <Swatch key={g} color={palette[g % palette.length]} name={groupName(g, groups)} />
      ))}
    >
      <ResponsiveContainer width="100%" height="100%">
        {/* Remounted when the theme flips: recharts 3 keeps some colours it was first given. */}
        <LineChart key={style.scheme} data={rows} margin={DIAG_MARGIN}>
          <CartesianGrid stroke={style.colors.grid} strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="step"
            type="number"
            domain={['dataMin', 'dataMax']}
            stroke={style.colors.axis}
            tick={style.tick}
            label={style.xLabel}
          />
          <YAxis
            scale="log"
            type="number"
            domain={y.domain}
            ticks={y.ticks}
            interval={0}
            allowDataOverflow
            stroke={style.colors.axis}
            width={48}
            tick={style.tick}
            tickFormatter={decadeLabel}
          />
          <Tooltip
            isAnimationActive={false}
            contentStyle={style.tooltip}
            labelFormatter={stepLabel}
            formatter={normLabel}
          />
          {shown.map((g) => (
            <Line
              key={g}
              dataKey={`g${g}`}
              name={groupName(g, groups)}
              stroke={palette[g % palette.length]}
              strokeWidth={1.6}
              dot={rows.length <= 30 ? { r: 2 } : false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}
