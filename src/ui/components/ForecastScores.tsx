// The forecast model's validation MSE and MAE against the naive baselines
// (normalised units, as the model's loss; averaged over the targets as the
// model's are), the verdict against each, with several targets each one's
// MSE beside its own baselines, and the validation MSE per step on a log axis
// under the baselines' levels.

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
import type { AppState } from '../../store/app';
import type { SeriesStats } from '../../worker/protocol';
import {
  columnLabel,
  compareToBaseline,
  comparisonText,
  forecastScores,
  formatLogTick,
  formatScore,
  mseCurve,
  targetScores,
  type ForecastScoresReport,
} from '../forecastData';
import { useColorScheme } from '../hooks/useColorScheme';
import { useTransitionedState } from '../hooks/useTransitionedState';
import { FORECAST_MARGIN, forecastColors, valueLabel } from './forecastChartStyle';

/** Most points of the validation MSE curve (thinned as the loss chart's curves are). */
const MAX_CURVE_POINTS = 200;

// The selected model's scores, rendered as a transition (they come with every validation).
const selectScores = (s: AppState) => s.taskScores[s.selectedModel];

export function ForecastScores({ series }: { series: SeriesStats }) {
  const reports = useTransitionedState(selectScores);
  const scores = useMemo(() => forecastScores(reports), [reports]);
  const curve = useMemo(() => mseCurve(scores, MAX_CURVE_POINTS), [scores]);
  const latest = scores.length > 0 ? scores[scores.length - 1] : null;
  const { lastValue, seasonal } = series.baselines;
  const vsLast = latest ? compareToBaseline(latest.mse, lastValue) : null;
  const vsSeasonal = latest && seasonal ? compareToBaseline(latest.mse, seasonal) : null;
  const scheme = useColorScheme();
  const colors = forecastColors(scheme);
  const targets = series.layout.targetColumns.map((c) => columnLabel(series, c));

  return (
    <div className="forecast-scores">
      <div>
        <table className="score-table" aria-label="Validation scores">
          <caption className="hint">
            Validation errors of one-step forecasts of {targets.join(', ')}, in normalised units
            (each column divided by its training std; the model's loss is in these units too)
            {targets.length > 1 && ', averaged over the targets'}
          </caption>
          <thead>
            <tr>
              <th scope="col">
                <span className="visually-hidden">Forecaster</span>
              </th>
              <th scope="col">MSE</th>
              <th scope="col">MAE</th>
            </tr>
          </thead>
          <tbody>
            <tr className="model">
              <th scope="row">
                model{latest ? ` (step ${latest.step.toLocaleString('en-US')})` : ''}
              </th>
              <td aria-label="Model validation MSE">{latest ? formatScore(latest.mse) : '–'}</td>
              <td aria-label="Model validation MAE">{latest ? formatScore(latest.mae) : '–'}</td>
            </tr>
            <tr>
              <th scope="row">last value</th>
              <td aria-label="Last-value MSE">{formatScore(lastValue.mse)}</td>
              <td aria-label="Last-value MAE">{formatScore(lastValue.mae)}</td>
            </tr>
            <tr>
              <th scope="row">
                seasonal naive{seasonal ? ` (P = ${seasonal.periods.join(', ')})` : ''}
              </th>
              <td aria-label="Seasonal naive MSE">{seasonal ? formatScore(seasonal.mse) : '–'}</td>
              <td aria-label="Seasonal naive MAE">{seasonal ? formatScore(seasonal.mae) : '–'}</td>
            </tr>
          </tbody>
        </table>
        {!seasonal && (
          <p className="hint">
            No season found in the training rows
            {targets.length > 1 ? ' of every target' : ''}: no seasonal naive.
          </p>
        )}
        <div
          className={`verdict ${vsLast?.beats ? 'beats' : 'not-yet'}`}
          role="status"
          aria-label="Baseline comparison"
        >
          <p>Model {comparisonText(vsLast, 'last-value')}.</p>
          {vsSeasonal && <p>Model {comparisonText(vsSeasonal, 'seasonal naive')}.</p>}
        </div>
        {targets.length > 1 && <PerTargetScores series={series} latest={latest} />}
      </div>
      <div>
        <span className="hint legend score-legend">
          <span className="swatch" style={{ background: colors.val }} /> validation MSE
          <span className="swatch dashed" /> last value {formatScore(lastValue.mse)}
          {seasonal && (
            <>
              <span className="swatch dotted" style={{ color: colors.seasonal }} /> seasonal naive{' '}
              {formatScore(seasonal.mse)}
            </>
          )}
        </span>
        <div
          className="chart score-chart"
          role="img"
          aria-label="Validation MSE per step, with the baselines"
        >
          {scores.length === 0 && (
            <div className="chart-empty overlay">Validation MSE per step appears here.</div>
          )}
          <ResponsiveContainer width="100%" height="100%">
            <LineChart data={curve} margin={FORECAST_MARGIN}>
              <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" vertical={false} />
              <XAxis
                dataKey="step"
                type="number"
                domain={['dataMin', 'dataMax']}
                stroke={colors.axis}
                tick={{ fill: colors.axis, fontSize: 11 }}
              />
              <YAxis
                // Logarithmic: the first scores are orders of magnitude above the baselines
                // and the later ones, which a linear axis would press flat against zero.
                scale="log"
                stroke={colors.axis}
                width={52}
                domain={['auto', 'auto']}
                tick={{ fill: colors.axis, fontSize: 11 }}
                tickFormatter={formatLogTick}
              />
              <Tooltip
                isAnimationActive={false}
                contentStyle={{
                  background: colors.bg,
                  border: `1px solid ${colors.grid}`,
                  borderRadius: 8,
                }}
                labelFormatter={(s: unknown) => `step ${String(s)}`}
                formatter={valueLabel}
              />
              <ReferenceLine
                y={lastValue.mse}
                className="baseline-last"
                stroke={colors.axis}
                strokeDasharray="5 4"
                ifOverflow="extendDomain"
              />
              {seasonal && (
                <ReferenceLine
                  y={seasonal.mse}
                  className="baseline-seasonal"
                  stroke={colors.seasonal}
                  strokeDasharray="2 3"
                  ifOverflow="extendDomain"
                />
              )}
              <Line
                dataKey="mse"
                name="validation MSE"
                stroke={colors.val}
                strokeWidth={1.8}
                dot={curve.length <= 40 ? { r: 2.5 } : false}
                isAnimationActive={false}
              />
            </LineChart>
          </ResponsiveContainer>
        </div>
      </div>
    </div>
  );
}

/** Each target's validation MSE beside its own baselines: which targets the model has learnt. */
function PerTargetScores({
  series,
  latest,
}: {
  series: SeriesStats;
  latest: ForecastScoresReport | null;
}) {
  const rows = targetScores(series, latest);
  return (
    <table className="score-table per-target" aria-label="Validation MSE per target">
      <caption className="hint">Validation MSE of each target against its own baselines</caption>
      <thead>
        <tr>
          <th scope="col">target</th>
          <th scope="col">model</th>
          <th scope="col">last value</th>
          <th scope="col">seasonal naive</th>
          <th scope="col">
            <span className="visually-hidden">Verdict</span>
          </th>
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr key={r.name}>
            <th scope="row">{r.name}</th>
            <td className="model-score">{r.model === null ? '–' : formatScore(r.model)}</td>
            <td>{formatScore(r.lastValue)}</td>
            <td>
              {r.seasonal ? `${formatScore(r.seasonal.mse)} (P = ${r.seasonal.period})` : '–'}
            </td>
            <td className={`target-verdict ${r.verdict.startsWith('beats both') ? 'beats' : ''}`}>
              {r.verdict}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
