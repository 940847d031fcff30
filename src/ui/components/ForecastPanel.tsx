// The forecast of the selected model: the chart (history and actual values,
// the one-step predictions, the N-step rollout from the validation start) in
// the target column's own units, and beside it the model's validation MSE and
// MAE against the naive baselines (normalised units, as the model's loss),
// with the validation MSE per step under the baselines' levels.

import { useMemo } from 'react';
import {
  CartesianGrid,
  Line,
  LineChart,
  ReferenceArea,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import { useApp, type AppState } from '../../store/app';
import type { SeriesStats } from '../../worker/protocol';
import {
  compareToBaseline,
  comparisonText,
  forecastRows,
  forecastScores,
  formatLogTick,
  formatScore,
  mseCurve,
  rolloutInfo,
} from '../forecastData';
import { themeColors, useColorScheme } from '../hooks/useColorScheme';
import { useTransitionedState } from '../hooks/useTransitionedState';

/** The forecast's own hues beside the theme's train (actual) and validation (one-step) ones. */
const ROLLOUT_COLOR = { light: '#0f9d58', dark: '#3ddc97' } as const;
const SEASONAL_COLOR = { light: '#9c36b5', dark: '#da77f2' } as const;
const MARGIN = { top: 8, right: 16, bottom: 4, left: 0 };
const LINE_NAMES = {
  actual: 'actual',
  oneStep: 'one-step',
  rollout: 'rollout',
  future: 'after the last row',
} as const;
/** Most points of the validation MSE curve (thinned as the loss chart's curves are). */
const MAX_CURVE_POINTS = 200;

// The selected model's (the first's until a comparison has more), rendered as transitions:
// reports come every validation, and a redraw must not hold up the page.
const selectForecast = (s: AppState) => s.forecasts[s.selectedModel] ?? s.forecasts[0];
const selectScores = (s: AppState) => s.taskScores[s.selectedModel];

function chartColors(scheme: 'light' | 'dark') {
  const theme = themeColors(scheme);
  return {
    ...theme,
    actual: theme.train,
    oneStep: theme.val,
    rollout: ROLLOUT_COLOR[scheme],
    seasonal: SEASONAL_COLOR[scheme],
  };
}

const rowLabel = (row: unknown) => `row ${String(row)}`;
const valueLabel = (v: unknown) => (typeof v === 'number' ? formatScore(v) : String(v));

export function ForecastPanel() {
  const series = useApp((s) => s.series);
  return (
    <section className="panel forecast-panel" aria-labelledby="forecast-title">
      <header>
        <h2 id="forecast-title">Forecast</h2>
        <span className="hint">{series ? panelHint(series) : ''}</span>
      </header>
      <ForecastChart />
      {series && <ForecastScores series={series} />}
    </section>
  );
}

/** The panel's header: what the chart shows, with the rollout's rows as they will be drawn. */
function panelHint(series: SeriesStats): string {
  const { rows, cut, pastEnd } = rolloutInfo(series);
  const next = pastEnd ? `; the next ${series.horizon} after the last row` : '';
  if (series.validationRows === 0) return `${series.name}: one row ahead${next}`;
  return (
    `${series.name}: one row ahead, then ${rows} rows on its own` +
    (cut ? ` (the held-out rows; the horizon asks ${series.horizon})` : '') +
    next
  );
}

function ForecastChart() {
  const series = useApp((s) => s.series);
  const selected = useApp((s) => s.selectedModel);
  const report = useTransitionedState(selectForecast);
  const scheme = useColorScheme();
  const colors = chartColors(scheme);
  const rows = useMemo(() => (report ? forecastRows(report) : []), [report]);
  const end = rows.length > 0 ? rows[rows.length - 1].row : 0;
  // The forecast past the series' end, where the chart reaches that end (forecastRows).
  const future = rows.length > 0 && rows[rows.length - 1].future !== undefined;
  // The rows the gates panel shows, outlined where the chart has them.
  const gatesFrom = useApp((s) => s.snapshot?.series?.start ?? -1);
  const gatesRows = useApp((s) => s.snapshot?.series?.values.length ?? 0);
  const gates =
    gatesRows > 0 && rows.length > 0
      ? { x1: Math.max(gatesFrom, rows[0].row), x2: Math.min(gatesFrom + gatesRows - 1, end) }
      : null;
  const fixed = useMemo(
    () => ({
      tooltipStyle: { background: colors.bg, border: `1px solid ${colors.grid}`, borderRadius: 8 },
      tick: { fill: colors.axis, fontSize: 11 },
      xLabel: {
        value: 'row',
        position: 'insideBottomRight' as const,
        offset: -2,
        fill: colors.axis,
        fontSize: 11,
      },
      futureLabel: {
        value: 'next →',
        position: 'insideTopLeft' as const,
        fill: colors.axis,
        fontSize: 11,
      },
      validationLabel: {
        value: 'validation →',
        position: 'insideTopLeft' as const,
        fill: colors.axis,
        fontSize: 11,
      },
      gatesLabel: {
        value: 'gates',
        position: 'insideBottomLeft' as const,
        fill: colors.axis,
        fontSize: 11,
      },
    }),
    [colors.bg, colors.grid, colors.axis],
  );

  return (
    <div>
      <div className="row between" style={{ marginBottom: 6 }}>
        <span className="hint legend" aria-label="Forecast legend">
          <span className="swatch" style={{ background: colors.actual }} /> actual
          <span className="swatch" style={{ background: colors.oneStep }} /> one-step prediction
          <span className="swatch dashed rollout" style={{ color: colors.rollout }} />
          {series ? rolloutInfo(series).legend : 'rollout (fed its own forecasts)'}
          {future && (
            <>
              <span className="swatch dotted" style={{ color: colors.rollout }} />
              after the last row
            </>
          )}
        </span>
        {report && (
          <span className="snapshot-meta" aria-label="Forecast step">
            {report.target} · step {report.step.toLocaleString('en-US')}
            {selected > 0 ? ` · model ${selected + 1}` : ''}
          </span>
        )}
      </div>
      <div
        className="chart forecast-chart"
        role="img"
        aria-label={`Forecast chart${report ? ` of ${report.target}` : ''}: actual values, one-step predictions and rollout`}
      >
        {!report && (
          <div className="chart-empty overlay">
            Press Train: the forecast appears here after the first validation.
          </div>
        )}
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={MARGIN}>
            <CartesianGrid stroke={colors.grid} strokeDasharray="3 3" vertical={false} />
            <XAxis
              dataKey="row"
              type="number"
              domain={['dataMin', 'dataMax']}
              stroke={colors.axis}
              tick={fixed.tick}
              label={fixed.xLabel}
            />
            <YAxis
              stroke={colors.axis}
              width={52}
              domain={['auto', 'auto']}
              tick={fixed.tick}
              tickFormatter={valueLabel}
            />
            <Tooltip
              isAnimationActive={false}
              contentStyle={fixed.tooltipStyle}
              labelFormatter={rowLabel}
              formatter={valueLabel}
            />
            {report && (
              <ReferenceArea
                x1={report.validationStart}
                x2={Math.max(Math.min(end, report.seriesRows - 1), report.validationStart)}
                fill={colors.axis}
                fillOpacity={0.08}
                ifOverflow="hidden"
              />
            )}
            {gates && gates.x1 <= gates.x2 && (
              <ReferenceArea
                x1={gates.x1}
                x2={gates.x2}
                className="gates-stretch"
                fillOpacity={0}
                stroke={colors.axis}
                strokeDasharray="2 3"
                label={fixed.gatesLabel}
                ifOverflow="hidden"
              />
            )}
            {report && (
              <ReferenceLine
                x={report.validationStart}
                className="validation-start"
                stroke={colors.axis}
                strokeDasharray="4 3"
                label={fixed.validationLabel}
              />
            )}
            <Line
              dataKey="actual"
              name={LINE_NAMES.actual}
              className="line-actual"
              stroke={colors.actual}
              // Wide and light under the thin predictions: a close fit still shows both.
              strokeWidth={3.2}
              strokeOpacity={0.45}
              dot={false}
              isAnimationActive={false}
            />
            <Line
              dataKey="oneStep"
              name={LINE_NAMES.oneStep}
              className="line-one-step"
              stroke={colors.oneStep}
              strokeWidth={1.4}
              dot={false}
              isAnimationActive={false}
            />
            <Line
              dataKey="rollout"
              name={LINE_NAMES.rollout}
              className="line-rollout"
              stroke={colors.rollout}
              strokeWidth={2}
              strokeDasharray="6 4"
              dot={false}
              isAnimationActive={false}
            />
            {report && future && (
              <ReferenceLine
                x={report.seriesRows}
                className="series-end"
                stroke={colors.axis}
                strokeDasharray="4 3"
                label={fixed.futureLabel}
              />
            )}
            <Line
              dataKey="future"
              name={LINE_NAMES.future}
              className="line-future"
              stroke={colors.rollout}
              strokeWidth={2}
              strokeDasharray="2 3"
              dot={false}
              isAnimationActive={false}
            />
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}

function ForecastScores({ series }: { series: SeriesStats }) {
  const reports = useTransitionedState(selectScores);
  const scores = useMemo(() => forecastScores(reports), [reports]);
  const curve = useMemo(() => mseCurve(scores, MAX_CURVE_POINTS), [scores]);
  const latest = scores.length > 0 ? scores[scores.length - 1] : null;
  const { lastValue, seasonal } = series.baselines;
  const vsLast = latest ? compareToBaseline(latest.mse, lastValue) : null;
  const vsSeasonal = latest && seasonal ? compareToBaseline(latest.mse, seasonal) : null;
  const scheme = useColorScheme();
  const colors = chartColors(scheme);
  const targets = series.layout.targetColumns.map((c) => series.columns[c]?.name ?? '');

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
            <LineChart data={curve} margin={MARGIN}>
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
