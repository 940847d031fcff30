// Validation accuracy and F1 of class 1 against steps, for every model of a
// comparison (uni vs bi): one line per model and score in the model's colour,
// accuracy solid and F1 dashed, drawn like the loss chart (its ticks, its
// legend that picks the model shown). Accuracy flatters a tagger that never
// says 1 (most characters end no word and are no capital): F1 shows learning.

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
import { useApp } from '../../store/app';
import { themeColors, useColorScheme } from '../hooks/useColorScheme';
import { modelColors, modelLabel } from '../modelLabel';
import { formatScore, latestTagging, scoreRows } from '../taggingScores';
import { ModelLegend } from './CompareLegend';
import { PlainTick, stepTicks, VALIDATION_DOT } from './LossChart';

const MARGIN = { top: 8, right: 16, bottom: 4, left: 0 };
const Y_DOMAIN: [number, number] = [0, 1];
const Y_TICKS = [0, 0.25, 0.5, 0.75, 1];
const stepLabel = (step: unknown) => `step ${String(step)}`;
const scoreValue = (v: unknown) => (typeof v === 'number' ? formatScore(v) : String(v));

export function TaggingScoresChart() {
  const scores = useApp((s) => s.taskScores);
  const compared = useApp((s) => s.compareModels);
  const selected = useApp((s) => s.selectedModel);
  const scheme = useColorScheme();
  const colors = themeColors(scheme);
  const palette = modelColors(scheme);
  const comparing = compared.length > 1;
  const count = Math.max(1, compared.length);

  const rows = useMemo(() => scoreRows(scores, count), [scores, count]);
  const lastStep = rows.at(-1)?.step ?? 0;
  const xAxis = useMemo(() => stepTicks(lastStep), [lastStep]);
  // Single model: accuracy and F1 in the loss chart's train and validation hues.
  const lineColor = (k: number, score: 'a' | 'f') =>
    comparing ? palette[k % palette.length] : score === 'a' ? colors.train : colors.val;
  // Made once per colour scheme: recharts re-renders a chart whose element props change identity.
  const fixed = useMemo(() => {
    const c = themeColors(scheme);
    return {
      xTick: <PlainTick fill={c.axis} axis="x" />,
      yTick: <PlainTick fill={c.axis} axis="y" />,
      xLabel: {
        value: 'step',
        position: 'insideBottomRight' as const,
        offset: -2,
        fill: c.axis,
        fontSize: 11,
      },
      tooltipStyle: { background: c.bg, border: `1px solid ${c.grid}`, borderRadius: 8 },
    };
  }, [scheme]);
  const names = compared.map((m, k, all) => {
    const latest = latestTagging(scores[k]);
    const figures = latest
      ? ` · acc ${formatScore(latest.accuracy)} · F1 ${formatScore(latest.f1)}`
      : '';
    return `${modelLabel(m, k, all)}${figures}`;
  });
  const dot = rows.length <= 40 ? VALIDATION_DOT : false;

  return (
    <div>
      <div className="row between" style={{ marginBottom: 6 }}>
        {comparing ? (
          <ModelLegend
            names={names}
            colors={palette}
            selected={selected}
            baseline={null}
            label="Models scored"
            lineKey="solid: accuracy · dashed: F1 of class 1 · on the validation text"
          />
        ) : (
          <span className="hint legend">
            <span className="swatch" style={{ background: colors.train }} /> accuracy
            <span className="swatch" style={{ background: colors.val }} /> F1 of class 1 · on the
            validation text
          </span>
        )}
      </div>
      <div className="chart tagging-chart" role="img" aria-label="Accuracy and F1 curves">
        {rows.length === 0 && (
          <div className="chart-empty overlay">
            Accuracy and F1 appear with the first validation run.
          </div>
        )}
        <ResponsiveContainer width="100%" height="100%">
          {/* Remounted when the theme flips: recharts 3 keeps some colours it was first given. */}
          <LineChart key={scheme} data={rows} margin={MARGIN}>
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
              domain={Y_DOMAIN}
              ticks={Y_TICKS}
              interval={0}
              tick={fixed.yTick}
            />
            <Tooltip
              isAnimationActive={false}
              contentStyle={fixed.tooltipStyle}
              labelFormatter={stepLabel}
              formatter={scoreValue}
            />
            {Array.from({ length: count }, (_, k) => {
              const opacity = !comparing || k === selected ? 1 : 0.55;
              const name = comparing ? `${names[k]} ` : '';
              return [
                <Line
                  key={`a${k}`}
                  dataKey={`a${k}`}
                  name={`${name}accuracy`}
                  className={`score-line accuracy model-${k}`}
                  connectNulls
                  stroke={lineColor(k, 'a')}
                  strokeOpacity={opacity}
                  strokeWidth={k === selected ? 2.2 : 1.6}
                  dot={dot && { ...dot, fill: lineColor(k, 'a') }}
                  isAnimationActive={false}
                />,
                <Line
                  key={`f${k}`}
                  dataKey={`f${k}`}
                  name={`${name}F1`}
                  className={`score-line f1 model-${k}`}
                  connectNulls
                  stroke={lineColor(k, 'f')}
                  strokeOpacity={opacity}
                  strokeWidth={k === selected ? 2.2 : 1.6}
                  strokeDasharray="6 3"
                  dot={dot && { ...dot, fill: lineColor(k, 'f') }}
                  isAnimationActive={false}
                />,
              ];
            })}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}
