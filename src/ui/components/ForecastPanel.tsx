// The forecast of the selected model: the chart (history and actual values,
// the one-step predictions, the N-step rollout from the validation start and
// the forecast past the last row) of one target column, chosen when there are
// several, in its own units; and under it the scores, over all targets,
// against the naive baselines (ForecastScores.tsx).

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
import { downloadFile } from '../../store/download';
import { setChartColumn } from '../../store/seriesActions';
import { forecastCsv, forecastCsvName } from '../forecastCsv';
import type { SeriesStats } from '../../worker/protocol';
import { chosenColumn, forecastRows, rolloutInfo } from '../forecastData';
import { useColorScheme } from '../hooks/useColorScheme';
import { useTransitionedState } from '../hooks/useTransitionedState';
import { FORECAST_MARGIN, forecastColors, valueLabel } from './forecastChartStyle';
import { ForecastScores } from './ForecastScores';

const LINE_NAMES = {
  actual: 'actual',
  oneStep: 'one-step',
  rollout: 'rollout',
  future: 'after the last row',
} as const;
/** One line of the forecast chart. */
interface ChartLine {
  key: keyof typeof LINE_NAMES;
  className: string;
  color: 'actual' | 'oneStep' | 'rollout';
  width: number;
  opacity?: number;
  dash?: string;
}
/** The chart's lines, drawn in this order (each later one over the earlier). */
const LINES: readonly ChartLine[] = [
  // Wide and light under the thin predictions: a close fit still shows both.
  { key: 'actual', className: 'line-actual', color: 'actual', width: 3.2, opacity: 0.45 },
  { key: 'oneStep', className: 'line-one-step', color: 'oneStep', width: 1.4 },
  { key: 'rollout', className: 'line-rollout', color: 'rollout', width: 2, dash: '6 4' },
  { key: 'future', className: 'line-future', color: 'rollout', width: 2, dash: '2 3' },
];

// The selected model's (the first's until a comparison has more), rendered as transitions:
// reports come every validation, and a redraw must not hold up the page.
const selectForecast = (s: AppState) => s.forecasts[s.selectedModel] ?? s.forecasts[0];

const rowLabel = (row: unknown) => `row ${String(row)}`;

export function ForecastPanel() {
  const series = useApp((s) => s.series);
  return (
    <section className="panel forecast-panel" aria-labelledby="forecast-title">
      <header>
        <h2 id="forecast-title">Forecast</h2>
        <span className="hint">{series ? panelHint(series) : ''}</span>
        <span className="spacer" />
        <ForecastCsvButton />
      </header>
      <ForecastChart />
      {series && <ForecastScores series={series} />}
    </section>
  );
}

/** The chart's numbers, every target's, as a CSV download (forecastCsv.ts). */
function ForecastCsvButton() {
  const ready = useApp((s) => selectForecast(s) !== undefined);
  const download = () => {
    const state = useApp.getState();
    const report = selectForecast(state);
    if (!report) return;
    downloadFile({
      name: forecastCsvName(state.series?.name ?? 'series', report.step),
      mimeType: 'text/csv',
      bytes: new TextEncoder().encode(forecastCsv(report)),
    });
  };
  return (
    <button
      type="button"
      className="btn small"
      disabled={!ready}
      title="The rows the chart spans: each target's actual value, one-step prediction, rollout and forecast past the last row, in its own units"
      onClick={download}
    >
      Download CSV
    </button>
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
  const chosen = useApp((s) => s.chartColumn);
  const column = report && chosenColumn(report.columns, chosen);
  const scheme = useColorScheme();
  const colors = forecastColors(scheme);
  const rows = useMemo(
    () => (report && column ? forecastRows(report, column) : []),
    [report, column],
  );
  // What the rollout of the column drawn is fed (its data column in the series' layout).
  const drawnTarget = series?.columns.findIndex((c) => c.name === column?.name) ?? -1;
  const rollout = series ? rolloutInfo(series, drawnTarget >= 0 ? drawnTarget : undefined) : null;
  const end = rows.length > 0 ? rows[rows.length - 1].row : 0;
  // The forecast past the series' end, where the chart reaches that end (forecastRows).
  const future = rows.length > 0 && rows[rows.length - 1].future !== undefined;
  // The rows the gates panel shows, outlined where the chart has them.
  const gatesFrom = useApp((s) => s.snapshot?.series?.start ?? -1);
  const gatesRows = useApp((s) => s.snapshot?.series?.columns[0]?.values.length ?? 0);
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
          {rollout ? rollout.legend : 'rollout (fed its own forecasts)'}
          {future && (
            <>
              <span className="swatch dotted" style={{ color: colors.rollout }} />
              after the last row
            </>
          )}
        </span>
        {report && column && (
          <span className="snapshot-meta row">
            {report.columns.length > 1 ? (
              <label className="row" title="The target drawn (the scores are over all of them)">
                column
                <select
                  className="input"
                  aria-label="Chart column"
                  value={column.name}
                  onChange={(e) => setChartColumn(e.target.value)}
                >
                  {report.columns.map((c) => (
                    <option key={c.name} value={c.name}>
                      {c.name}
                    </option>
                  ))}
                </select>
              </label>
            ) : (
              column.name
            )}
            <span aria-label="Forecast step">
              step {report.step.toLocaleString('en-US')}
              {selected > 0 ? ` · model ${selected + 1}` : ''}
            </span>
          </span>
        )}
      </div>
      <div
        className="chart forecast-chart"
        role="img"
        aria-label={`Forecast chart${column ? ` of ${column.name}` : ''}: actual values, one-step predictions and rollout`}
      >
        {!report && (
          <div className="chart-empty overlay">
            Press Train: the forecast appears here after the first validation.
          </div>
        )}
        <ResponsiveContainer width="100%" height="100%">
          <LineChart data={rows} margin={FORECAST_MARGIN}>
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
            {/* Where the held-out rows begin, and where the data ends when the forecast goes on. */}
            {report &&
              [
                {
                  x: report.validationStart,
                  className: 'validation-start',
                  label: fixed.validationLabel,
                },
                ...(future
                  ? [{ x: report.seriesRows, className: 'series-end', label: fixed.futureLabel }]
                  : []),
              ].map((mark) => (
                <ReferenceLine
                  key={mark.className}
                  x={mark.x}
                  className={mark.className}
                  stroke={colors.axis}
                  strokeDasharray="4 3"
                  label={mark.label}
                />
              ))}
            {LINES.map((line) => (
              <Line
                key={line.key}
                dataKey={line.key}
                name={LINE_NAMES[line.key]}
                className={line.className}
                stroke={colors[line.color]}
                strokeWidth={line.width}
                strokeOpacity={line.opacity}
                strokeDasharray={line.dash}
                dot={false}
                isAnimationActive={false}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      </div>
    </div>
  );
}
