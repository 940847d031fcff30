// The loss chart's parts for compare runs (LossChart.tsx): a train and a
// validation line per model in the model's colour, and a legend naming each
// model (cell, H, parameters, and on a delayed-recall text its recall
// accuracy) whose entries pick the model shown.

import { Line } from 'recharts';
import type { RecallReport } from '../../engine/training/events';
import { useApp } from '../../store/app';
import { selectModel } from '../../store/compareActions';
import type { VALIDATION_DOT } from './LossChart';

/**
 * Each model's train line (thin) and validation line (bold, dashed), in its
 * colour; the others' fade so the selected model's stands out. A function,
 * not a component: recharts reads its children's Line elements directly.
 */
export function comparedLines(
  names: string[],
  palette: readonly string[],
  selected: number,
  validationDot: typeof VALIDATION_DOT | false,
) {
  return names.flatMap((_, k) => {
    const opacity = k === selected ? 1 : 0.55;
    const color = palette[k % palette.length];
    return [
      <Line
        key={`t${k}`}
        dataKey={`t${k}`}
        name={`${names[k]} train`}
        className={`loss-line train model-${k}`}
        connectNulls
        stroke={color}
        strokeOpacity={opacity}
        strokeWidth={k === selected ? 1.8 : 1.3}
        dot={false}
        isAnimationActive={false}
      />,
      <Line
        key={`v${k}`}
        dataKey={`v${k}`}
        name={`${names[k]} validation`}
        className={`loss-line validation model-${k}`}
        connectNulls
        stroke={color}
        strokeOpacity={opacity}
        strokeWidth={2.2}
        strokeDasharray="6 3"
        dot={validationDot && { ...validationDot, fill: color }}
        isAnimationActive={false}
      />,
    ];
  });
}

/** The models of a comparison, each a button that picks it for the gates, samples and exports. */
export function ModelLegend(props: {
  names: string[];
  colors: readonly string[];
  selected: number;
  baseline: number | null;
  /** The group's accessible name: another chart's legend (the tagging scores) names its own. */
  label?: string;
  /** What the line styles mean, when not the loss chart's train and validation. */
  lineKey?: string;
  /** The baseline's name: "ln V", or a tagger's "ln 2" (taskView.ts). */
  baselineName?: string;
}) {
  const { names, colors, selected, baseline, label = 'Models compared', lineKey } = props;
  const baselineName = props.baselineName ?? 'ln V';
  const recall = useApp((s) => s.recall);
  const chance = Object.values(recall)[0]?.chance;
  return (
    <span className="hint legend compare-legend" role="group" aria-label={label}>
      {names.map((name, k) => (
        <button
          key={k}
          type="button"
          className="legend-model"
          aria-pressed={k === selected}
          title="Show this model's gates and samples; export and save it"
          onClick={() => selectModel(k)}
        >
          <span className="swatch" style={{ background: colors[k % colors.length] }} />
          {name}
          {recall[k] && <RecallFigure report={recall[k]} />}
        </button>
      ))}
      <span className="legend-key">
        {lineKey ?? 'thin: train · dashed: validation'}
        {baseline !== null && (
          <>
            {' '}
            · {baselineName} = {baseline.toFixed(2)}
          </>
        )}
        {chance !== undefined && (
          <span title="Share of recalls on the validation text where the model's likeliest next character is the key; a model that remembers nothing guesses">
            {' '}
            · recall: share of keys recalled · chance {chance.toFixed(2)}
          </span>
        )}
      </span>
    </span>
  );
}

/** " · recall 0.98": a model's recall accuracy on the validation text, and when it was measured. */
export function RecallFigure({ report }: { report: RecallReport }) {
  return (
    <span
      className="legend-recall"
      title={`At step ${report.step}: ${Math.round(report.accuracy * report.positions)} of ${report.positions} recalls right (chance ${report.chance.toFixed(2)})`}
    >
      {' '}
      · recall {report.accuracy.toFixed(2)}
    </span>
  );
}

/**
 * A single model's recall accuracy on a delayed-recall text, under its tiles
 * (compared models show theirs in the legend, ModelLegend).
 */
export function RecallNote() {
  const report = useApp((s) => (s.compareModels.length > 1 ? undefined : s.recall[0]));
  if (!report) return null;
  return (
    <p className="hint recall-note" aria-label="Recall accuracy">
      Recall <strong>{report.accuracy.toFixed(2)}</strong>: the share of keys the model recalls
      after the delay on the validation text (chance {report.chance.toFixed(2)}), at step{' '}
      {report.step}
    </p>
  );
}
