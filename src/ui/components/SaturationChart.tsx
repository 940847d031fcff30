// Gate saturation over training: for each gate of one layer (the one the
// gates panel shows), the share of its activations on the probe text that
// sit at a rail (σ gates below 0.1 or above 0.9, tanh signals beyond ±0.9),
// where the gate's derivative is nearly zero and little gradient passes.
//
// Dimension legend: L layers.

import { useMemo } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { SignalKey } from '../../engine/cells';
import { useApp } from '../../store/app';
import type { SaturationPoint } from '../../store/diagnosticsSlice';
import { themeColors, useColorScheme } from '../hooks/useColorScheme';
import {
  ChartFrame,
  DIAG_MARGIN,
  seriesColors,
  Swatch,
  thinRows,
  useModelDiagnostics,
} from './diagnosticsChart';

const MAX_ROWS = 240;
const PERCENT_TICKS = [0, 25, 50, 75, 100];

const SIGNAL_NAMES: Partial<Record<SignalKey, string>> = {
  i: 'input i',
  f: 'forget f',
  g: 'candidate g',
  o: 'output o',
  r: 'reset r',
  z: 'update z',
  n: 'candidate n',
  h: 'output h',
};

type Row = { step: number } & Record<string, number | undefined>;

/** Per step, each signal's saturated share (low + high) of layer `layer`, in percent. */
function rowsOf(points: SaturationPoint[], layer: number): { rows: Row[]; signals: SignalKey[] } {
  const last = points.at(-1)?.layers[layer] ?? [];
  const signals = last.map((s) => s.signal);
  const rows = thinRows(points, MAX_ROWS).map((p) => {
    const row: Row = { step: p.step };
    for (const s of p.layers[layer] ?? []) row[s.signal] = 100 * (s.low + s.high);
    return row;
  });
  return { rows, signals };
}

const stepLabel = (step: unknown) => `step ${String(step)}`;
const percentLabel = (v: unknown) => (typeof v === 'number' ? `${v.toFixed(1)} %` : String(v));

export function SaturationChart({ model = 0 }: { model?: number }) {
  const { saturation } = useModelDiagnostics(model);
  const shownLayer = useApp((s) => s.layer);
  const layers = saturation.at(-1)?.layers.length ?? 0;
  const layer = Math.min(shownLayer, Math.max(0, layers - 1));
  const scheme = useColorScheme();
  const colors = themeColors(scheme);
  const palette = seriesColors(scheme);
  const { rows, signals } = useMemo(() => rowsOf(saturation, layer), [saturation, layer]);
  return (
    <ChartFrame
      title="Gate saturation"
      hint={`share of each gate's activations at a rail (< 0.1 or > 0.9; tanh beyond ±0.9)${layers > 1 ? `, layer ${layer}` : ''}: a saturated gate passes little gradient`}
      label={`Gate saturation over training, layer ${layer}`}
      empty={rows.length === 0 ? 'The saturation of each gate appears with the snapshots.' : null}
      legend={signals.map((s, k) => (
        <Swatch key={s} color={palette[k % palette.length]} name={SIGNAL_NAMES[s] ?? s} />
      ))}
    >
      <ResponsiveContainer width="100%" height="100%">
        {/* Remounted when the theme flips: recharts 3 keeps some colours it was first given. */}
        <LineChart key={scheme} data={rows} margin={DIAG_MARGIN}>
          <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="step"
            type="number"
            domain={['dataMin', 'dataMax']}
            stroke={colors.axis}
            tick={{ fill: colors.axis, fontSize: 11 }}
            label={{
              value: 'step',
              position: 'insideBottomRight',
              offset: -2,
              fill: colors.axis,
              fontSize: 11,
            }}
          />
          <YAxis
            type="number"
            domain={[0, 100]}
            ticks={PERCENT_TICKS}
            interval={0}
            stroke={colors.axis}
            width={48}
            tick={{ fill: colors.axis, fontSize: 11 }}
            tickFormatter={(v: number) => `${v}%`}
          />
          <Tooltip
            isAnimationActive={false}
            contentStyle={{
              background: colors.bg,
              border: `1px solid ${colors.grid}`,
              borderRadius: 8,
            }}
            labelFormatter={stepLabel}
            formatter={percentLabel}
          />
          {signals.map((s, k) => (
            <Line
              key={s}
              dataKey={s}
              name={SIGNAL_NAMES[s] ?? s}
              stroke={palette[k % palette.length]}
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
