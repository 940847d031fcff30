// The forecast's counterpart of the probe text: which stretch of the series
// the gates show. The person picks its first row (the rows of the forecast
// chart's axis); the worker probes up to its stretch length from there and the
// snapshot says which rows it read.

import { setProbeFromRow } from '../../store/actions';
import { useApp } from '../../store/app';
import { NumberField } from './NumberField';

interface Props {
  /** The rows the latest snapshot read, if any. */
  shown: { start: number; rows: number } | null;
}

export function SeriesStretchField({ shown }: Props) {
  const series = useApp((s) => s.series);
  const fromRow = useApp((s) => s.probeFromRow);
  if (!series) {
    return <p className="hint probe-field">Probed: a stretch of the series, once one is loaded.</p>;
  }
  const validationStart = series.validationRows > 0 ? series.trainRows : null;
  return (
    <div className="probe-field stretch-field">
      <div className="row">
        <NumberField
          className="labelled"
          label="Gates from row"
          hint="The first row of the stretch the gates show (a row of the forecast chart's axis)"
          value={fromRow ?? shown?.start ?? validationStart ?? 0}
          min={0}
          max={series.rows - 1}
          integer
          onCommit={setProbeFromRow}
        />
        {fromRow !== null && validationStart !== null && (
          <button type="button" className="btn small" onClick={() => setProbeFromRow(null)}>
            Validation start (row {validationStart})
          </button>
        )}
      </div>
      <p className="hint">
        {shown
          ? `Probed: rows ${shown.start} to ${shown.start + shown.rows - 1} of ${series.rows}, read from a zero state, drawn under each map.`
          : 'Probed: a stretch of the series, once a model has trained on it.'}
      </p>
    </div>
  );
}
