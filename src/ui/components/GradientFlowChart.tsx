// The vanishing gradient, drawn: ‖∂ℓ/∂h_{T−1−k}‖ of the window's last
// prediction against k, the number of steps back, on a log axis, one line
// per layer (the LSTM's cell-state path dashed). A plain RNN's line falls
// off as a straight line here (geometrically); an LSTM's stays up.
//
// Dimension legend: L layers, T window of the probe (k = 0 … T − 1).

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
import type { FlowView } from '../../store/diagnosticsSlice';
import { themeColors, useColorScheme } from '../hooks/useColorScheme';
import {
  ChartFrame,
  decadeLabel,
  decades,
  DIAG_MARGIN,
  seriesColors,
  Swatch,
  useModelDiagnostics,
} from './diagnosticsChart';

type Row = { k: number } & Record<string, number | undefined>;

/** One row per k; keys h0, h1 … and c0, c1 … (a norm of exactly 0 cannot sit on a log axis). */
function rowsOf(flow: FlowView): Row[] {
  const T = flow.h[0]?.length ?? 0;
  return Array.from({ length: T }, (_, k) => {
    const row: Row = { k };
    flow.h.forEach((norms, l) => (row[`h${l}`] = norms[k] > 0 ? norms[k] : undefined));
    flow.c?.forEach((norms, l) => (row[`c${l}`] = norms[k] > 0 ? norms[k] : undefined));
    return row;
  });
}

const normLabel = (v: unknown) => (typeof v === 'number' ? v.toExponential(2) : String(v));
const kLabel = (k: unknown) => `${String(k)} steps back`;

export function GradientFlowChart({ model = 0 }: { model?: number }) {
  const { flow, flowProblem } = useModelDiagnostics(model);
  const scheme = useColorScheme();
  const colors = themeColors(scheme);
  const palette = seriesColors(scheme);
  const rows = useMemo(() => (flow ? rowsOf(flow) : []), [flow]);
  const y = useMemo(
    () =>
      decades(
        rows.flatMap((r) =>
          Object.entries(r)
            .filter(([key]) => key !== 'k')
            .map(([, v]) => v ?? 0),
        ),
      ),
    [rows],
  );
  const layers = flow?.h.length ?? 0;
  const T = rows.length;
  const empty = flow
    ? null
    : (flowProblem ?? 'Press Train: the gradient flow appears with the first gate snapshot.');

  return (
    <ChartFrame
      title="Gradient flow"
      hint="how far back the last prediction's gradient reaches: an RNN's line falls off geometrically; an LSTM's stays up"
      label={`Gradient flow: gradient norm against steps back${flow ? `, step ${flow.step}` : ''}`}
      empty={empty}
      legend={
        flow && (
          <>
            {flow.h.map((_, l) => (
              <Swatch key={`h${l}`} color={palette[l % palette.length]} name={`h layer ${l}`} />
            ))}
            {flow.c?.map((_, l) => (
              <Swatch
                key={`c${l}`}
                color={palette[l % palette.length]}
                name={`c layer ${l}`}
                dashed
              />
            ))}
            <span style={{ marginLeft: 'auto' }}>at step {flow.step}</span>
          </>
        )
      }
    >
      <ResponsiveContainer width="100%" height="100%">
        {/* Remounted when the theme flips: recharts 3 keeps some colours it was first given. */}
        <LineChart key={scheme} data={rows} margin={DIAG_MARGIN}>
          <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" vertical={false} />
          <XAxis
            dataKey="k"
            type="number"
            domain={[0, Math.max(1, T - 1)]}
            stroke={colors.axis}
            tick={{ fill: colors.axis, fontSize: 11 }}
            label={{
              value: 'k steps back',
              position: 'insideBottomRight',
              offset: -2,
              fill: colors.axis,
              fontSize: 11,
            }}
          />
          <YAxis
            scale="log"
            type="number"
            domain={y.domain}
            ticks={y.ticks}
            interval={0}
            allowDataOverflow
            stroke={colors.axis}
            width={48}
            tick={{ fill: colors.axis, fontSize: 11 }}
            tickFormatter={decadeLabel}
          />
          <Tooltip
            isAnimationActive={false}
            contentStyle={{
              background: colors.bg,
              border: `1px solid ${colors.grid}`,
              borderRadius: 8,
            }}
            labelFormatter={kLabel}
            formatter={normLabel}
          />
          {Array.from({ length: layers }, (_, l) => (
            <Line
              key={`h${l}`}
              dataKey={`h${l}`}
              name={`h layer ${l}`}
              stroke={palette[l % palette.length]}
              strokeWidth={2}
              dot={false}
              isAnimationActive={false}
            />
          ))}
          {flow?.c?.map((_, l) => (
            <Line
              key={`c${l}`}
              dataKey={`c${l}`}
              name={`c layer ${l}`}
              stroke={palette[l % palette.length]}
              strokeWidth={1.6}
              strokeDasharray="5 4"
              dot={false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}
