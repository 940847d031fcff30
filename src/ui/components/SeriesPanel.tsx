// The series of the forecast task, in place of the corpus panel: a built-in
// series, CSV pasted into the box, or a .csv file picked or dropped anywhere
// on the page (read in the worker). Then the series in use: its rows and
// split, its notes (columns left out, ragged rows), the column chooser
// (targets and inputs), the columns with missing or non-numeric cells and
// their first messages, and the rollout's horizon. A refused series or
// column choice is shown with its reason while the series in use stays.

import { useEffect, useRef } from 'react';
import { BUILTIN_SERIES } from '../../series/generators';
import { useApp } from '../../store/app';
import {
  BUILTIN_SERIES_INFO,
  ensureSeries,
  loadBuiltinSeries,
  loadSeriesFile,
  setCsvText,
  setHorizon,
  setSeriesLayout,
  submitCsv,
  toggledInputs,
  toggledTargets,
  useSeriesUi,
} from '../../store/seriesActions';
import { MAX_HORIZON, type SeriesStats } from '../../worker/protocol';
import { formatCount } from '../format';
import { useFileDragAnywhere } from './CorpusPanel';
import { NumberField } from './NumberField';

export function SeriesPanel() {
  const series = useApp((s) => s.series);
  const error = useApp((s) => s.seriesError);
  const csv = useSeriesUi((s) => s.csv);
  const checking = useSeriesUi((s) => s.checking);
  const inputError = useSeriesUi((s) => s.inputError);
  const fileInput = useRef<HTMLInputElement>(null);
  const dragging = useFileDragAnywhere(loadSeriesFile);
  // The task became 'forecast': a model needs a series, the first built-in one unless chosen.
  useEffect(ensureSeries, []);

  return (
    <section className="panel series-panel" aria-labelledby="series-title">
      <header>
        <h2 id="series-title">Series</h2>
        <span className="hint">what the model forecasts, one row ahead</span>
      </header>

      <div className="chips" role="group" aria-label="Built-in series">
        {BUILTIN_SERIES.map((id) => (
          <button
            key={id}
            type="button"
            className="chip"
            aria-pressed={series?.name === BUILTIN_SERIES_INFO[id].title}
            title={BUILTIN_SERIES_INFO[id].description}
            onClick={() => loadBuiltinSeries(id)}
          >
            {BUILTIN_SERIES_INFO[id].title}
          </button>
        ))}
      </div>

      <div className={`dropzone ${dragging ? 'dragging' : ''}`}>
        <textarea
          className="corpus csv"
          aria-label="CSV text"
          placeholder={
            'Paste CSV: a header row, then one row per time step (or drop a .csv file anywhere on the page)\n\n' +
            'date,temp,load\n2024-01-01,3.1,120\n…'
          }
          value={csv}
          spellCheck={false}
          onChange={(e) => setCsvText(e.target.value)}
        />
      </div>
      <div className="row between corpus-actions">
        <span className="hint" role="status" aria-label="Series status">
          {checking ? `checking ${checking}…` : ''}
        </span>
        <div className="row">
          <button type="button" className="btn small" onClick={() => fileInput.current?.click()}>
            Open CSV…
          </button>
          <button type="button" className="btn small" onClick={submitCsv}>
            Use CSV
          </button>
        </div>
        <input
          ref={fileInput}
          type="file"
          accept=".csv,.tsv,.txt,text/csv,text/plain"
          aria-label="Series file"
          hidden
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) loadSeriesFile(file);
          }}
        />
      </div>

      {(error ?? inputError) && (
        <div className="note error" role="alert" aria-label="Series problem">
          <span>
            Series not changed: {error ?? inputError}
            {series && error ? ` (still using ${series.name})` : ''}.
          </span>
        </div>
      )}
      {series && <SeriesInUse series={series} />}
    </section>
  );
}

function SeriesInUse({ series }: { series: SeriesStats }) {
  const { layout } = series;
  const troubled = series.columns.filter((c) => c.problems > 0);
  return (
    <div className="active-corpus" aria-label="Series in use" role="group">
      <div className="row between">
        <span className="name">{series.name}</span>
        <span className="hint">in use</span>
      </div>
      <dl className="stats">
        <div>
          <dt>rows</dt>
          <dd aria-label="Series rows">{formatCount(series.rows)}</dd>
        </div>
        <div>
          <dt>columns</dt>
          <dd>{series.columns.length}</dd>
        </div>
        <div>
          <dt>train</dt>
          <dd aria-label="Training rows">{formatCount(series.trainRows)}</dd>
        </div>
        <div>
          <dt>validation</dt>
          <dd aria-label="Validation rows">{formatCount(series.validationRows)}</dd>
        </div>
      </dl>
      {series.notes.length > 0 && (
        <ul className="series-notes hint" aria-label="Series notes">
          {series.notes.map((n) => (
            <li key={n}>{n}</li>
          ))}
        </ul>
      )}

      {series.columns.length > 1 && (
        <table className="column-chooser" aria-label="Columns">
          <thead>
            <tr>
              <th scope="col">column</th>
              <th scope="col" title="Forecast one row ahead (its past values are read too)">
                target
              </th>
              <th scope="col" title="Read by the model at every row">
                input
              </th>
            </tr>
          </thead>
          <tbody>
            {series.columns.map((c, k) => {
              const target = layout.targetColumns.includes(k);
              const input = layout.inputColumns.includes(k);
              return (
                <tr key={c.name}>
                  <th scope="row">
                    {c.name}
                    {c.problems > 0 && (
                      <span className="problem-count" title={c.messages[0]}>
                        {' '}
                        {c.problems} bad
                      </span>
                    )}
                  </th>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${c.name} is a target`}
                      checked={target}
                      // The last target stays: something must be forecast.
                      disabled={target && layout.targetColumns.length === 1}
                      onChange={(e) => setSeriesLayout(toggledTargets(layout, k, e.target.checked))}
                    />
                  </td>
                  <td>
                    <input
                      type="checkbox"
                      aria-label={`${c.name} is an input`}
                      checked={input}
                      disabled={input && layout.inputColumns.length === 1}
                      onChange={(e) => setSeriesLayout(toggledInputs(layout, k, e.target.checked))}
                    />
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}

      {troubled.length > 0 && (
        <div className="note warn series-problems" role="status" aria-label="Column problems">
          <div>
            <p>
              Missing or non-numeric cells (a column with them can be chosen only once they are
              fixed):
            </p>
            <ul>
              {troubled.map((c) => (
                <li key={c.name}>
                  <b>{c.name}</b>: {c.problems} {c.problems === 1 ? 'cell' : 'cells'}
                  <ul>
                    {c.messages.map((m) => (
                      <li key={m}>{m}</li>
                    ))}
                    {c.problems > c.messages.length && (
                      <li>…and {c.problems - c.messages.length} more</li>
                    )}
                  </ul>
                </li>
              ))}
            </ul>
          </div>
        </div>
      )}

      <div className="params" style={{ marginTop: 10 }}>
        <NumberField
          label="Horizon (rows)"
          hint="Rows of the chart's rollout: the model fed its own forecasts from the validation start on"
          value={series.horizon}
          min={1}
          max={MAX_HORIZON}
          integer
          onCommit={setHorizon}
        />
      </div>
    </div>
  );
}
