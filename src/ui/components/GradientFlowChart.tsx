// The vanishing gradient, drawn: ‖∂ℓ/∂h_{T−1−k}‖ of the window's last
// prediction against k, the number of steps back, on a log axis. With one
// model, one line per layer (the LSTM's cell-state path dashed); when models
// are compared, one line per model, in its colour in the loss chart, at one
// layer (the top one unless picked), the LSTM's c dashed beside its h. A
// plain RNN's line falls off as a straight line here (geometrically); an
// LSTM's stays up.
//
// Dimension legend: L layers, T window of the probe (k = 0 … T − 1).

import { useMemo, useState } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { CELLS } from '../../engine/cells';
import { useApp } from '../../store/app';
import type { FlowView, ModelDiagnostics } from '../../store/diagnosticsSlice';
import type { ComparedModel } from '../../worker/protocol';
import { themeColors, useColorScheme } from '../hooks/useColorScheme';
import { modelColors } from '../modelLabel';
import {
  ChartFrame,
  decadeLabel,
  decades,
  DIAG_MARGIN,
  seriesColors,
  Swatch,
  useAllDiagnostics,
} from './diagnosticsChart';

type Row = { k: number } & Record<string, number | undefined>;

/** One line of the chart: its row key, name, colour and whether it is a cell-state line. */
interface FlowLine {
  key: string;
  name: string;
  color: string;
  /** The LSTM's cell-state path: dashed. */
  c: boolean;
  /** The model a compared line belongs to. */
  model?: number;
  norms: Float32Array;
}

/** One row per k of every line's norm (a norm of exactly 0 cannot sit on a log axis). */
function rowsOf(lines: FlowLine[]): Row[] {
  const T = Math.max(0, ...lines.map((l) => l.norms.length));
  return Array.from({ length: T }, (_, k) => {
    const row: Row = { k };
    for (const line of lines) {
      const v = line.norms[k];
      row[line.key] = v > 0 ? v : undefined;
    }
    return row;
  });
}

/** A single model's lines: h per layer, and the LSTM's c per layer. */
function layerLines(flow: FlowView, palette: string[]): FlowLine[] {
  const color = (l: number) => palette[l % palette.length];
  return [
    ...flow.h.map((norms, l) => ({
      key: `h${l}`,
      name: `h layer ${l}`,
      color: color(l),
      c: false,
      norms,
    })),
    ...(flow.c ?? []).map((norms, l) => ({
      key: `c${l}`,
      name: `c layer ${l}`,
      color: color(l),
      c: true,
      norms,
    })),
  ];
}

/** How the flow chart names a compared model: "RNN H36". */
export function flowModelName(m: ComparedModel): string {
  return `${CELLS[m.model.cell].label} H${m.model.hiddenSize}`;
}

/** Compared models' lines at `layer`: each model's h, and the LSTM's c dashed in the same colour. */
export function modelLines(
  models: readonly ComparedModel[],
  all: Record<number, ModelDiagnostics>,
  layer: number,
  colors: readonly string[],
): FlowLine[] {
  return models.flatMap((m, k) => {
    const flow = all[k]?.flow;
    const l = Math.min(layer, m.model.layers - 1);
    if (!flow || !flow.h[l]) return [];
    const name = flowModelName(m);
    const color = colors[k % colors.length];
    const h = { key: `m${k}`, name, color, c: false, model: k, norms: flow.h[l] };
    const c = flow.c?.[l];
    return c ? [h, { key: `mc${k}`, name: `${name} c`, color, c: true, model: k, norms: c }] : [h];
  });
}

const normLabel = (v: unknown) => (typeof v === 'number' ? v.toExponential(2) : String(v));
const kLabel = (k: unknown) => `${String(k)} steps back`;

export function GradientFlowChart() {
  const all = useAllDiagnostics();
  const models = useApp((s) => s.compareModels);
  const selected = useApp((s) => s.selectedModel);
  const scheme = useColorScheme();
  const colors = themeColors(scheme);
  const comparing = models.length > 1;
  const layers = models[0]?.model.layers ?? 1;
  // The layer compared: the top one until picked (kept across rebuilds while it exists).
  const [picked, setPicked] = useState<number | null>(null);
  const layer = picked !== null && picked < layers ? picked : layers - 1;

  const single = comparing ? null : (all[selected] ?? null);
  const lines = useMemo(
    () =>
      comparing
        ? modelLines(models, all, layer, modelColors(scheme))
        : single?.flow
          ? layerLines(single.flow, seriesColors(scheme))
          : [],
    [comparing, models, all, layer, scheme, single],
  );
  const rows = useMemo(() => rowsOf(lines), [lines]);
  const y = useMemo(
    () => decades(rows.flatMap((r) => lines.map((l) => r[l.key] ?? 0))),
    [rows, lines],
  );
  const T = rows.length;
  const steps = comparing
    ? models.map((_, k) => all[k]?.flow?.step).filter((s) => s !== undefined)
    : single?.flow
      ? [single.flow.step]
      : [];
  const step = steps.length > 0 ? Math.min(...steps) : null;
  const problem = comparing
    ? (models.map((_, k) => all[k]?.flowProblem).find((p) => p) ?? null)
    : (single?.flowProblem ?? null);
  const empty =
    lines.length > 0
      ? null
      : (problem ?? 'Press Train: the gradient flow appears with the first gate snapshot.');

  return (
    <ChartFrame
      title="Gradient flow"
      hint={
        comparing
          ? `‖∂L/∂h‖ k steps back${layers > 1 ? `, layer ${layer}` : ''}, one line per model: a straight fall on this log axis is the vanishing gradient, which gates can hold off where memory pays`
          : "how far back the last prediction's gradient reaches: an RNN's line falls off geometrically; an LSTM's stays up"
      }
      label={`Gradient flow: gradient norm against steps back${step !== null ? `, step ${step}` : ''}`}
      empty={empty}
      legend={
        lines.length > 0 && (
          <>
            {lines.map((l) => (
              <Swatch key={l.key} color={l.color} name={l.name} dashed={l.c} />
            ))}
            {comparing && layers > 1 && (
              <label style={{ display: 'inline-flex', gap: 4, alignItems: 'center' }}>
                layer
                <select
                  className="input"
                  aria-label="Layer compared"
                  value={layer}
                  onChange={(e) => setPicked(Number(e.target.value))}
                >
                  {Array.from({ length: layers }, (_, l) => (
                    <option key={l} value={l}>
                      {l}
                      {l === layers - 1 ? ' (top)' : ''}
                    </option>
                  ))}
                </select>
              </label>
            )}
            <span style={{ marginLeft: 'auto' }}>at step {step}</span>
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
          {lines.map((l) => (
            <Line
              key={l.key}
              dataKey={l.key}
              name={l.name}
              className={`flow-line ${l.c ? 'c' : 'h'}${l.model !== undefined ? ` model-${l.model}` : ''}`}
              stroke={l.color}
              strokeWidth={l.c ? 1.6 : l.model === selected ? 2.6 : 2}
              strokeDasharray={l.c ? '5 4' : undefined}
              dot={false}
              isAnimationActive={false}
            />
          ))}
        </LineChart>
      </ResponsiveContainer>
    </ChartFrame>
  );
}
