// The unit finder: for each feature of the probe text (inside quotes, bracket
// depth, position in the line, …) the units whose memory (c for the LSTM, h
// otherwise) follows it most closely, by |Pearson r| (unitFeatures.ts).
// Picking one colours the probe text by that unit.

import { memo, useMemo } from 'react';
import type { CellType } from '../../engine/cells';
import { pickFoundUnit } from '../../store/actions';
import { memorySignal } from '../gateInfo';
import { num } from '../gateTerms';
import { FEATURE_LABELS, findUnits, type TextFeature } from '../unitFeatures';

interface Props {
  cell: CellType;
  /** The layer's memory signal, (P, H). */
  values: Float32Array;
  chars: readonly string[];
  hidden: number;
  unit: number;
  /** The feature of the unit picked here, if the shown unit came from the finder. */
  feature: TextFeature | null;
}

export const UnitFinder = memo(function UnitFinder({
  cell,
  values,
  chars,
  hidden,
  unit,
  feature,
}: Props) {
  const signal = memorySignal(cell);
  const rows = useMemo(() => findUnits(values, chars, hidden, 3), [values, chars, hidden]);
  return (
    <div className="unit-finder" role="group" aria-label="Unit finder">
      <div className="hint">
        Units whose <b>{signal}</b> follows a feature of the probe text, by |correlation r|; pick
        one to colour the text by it.
      </div>
      <ul>
        {rows.map((row) => (
          <li key={row.feature}>
            <span className="feature">{FEATURE_LABELS[row.feature]}</span>
            {row.present ? (
              row.units.map((u) => {
                const chosen = u.unit === unit && feature === row.feature;
                return (
                  <button
                    key={u.unit}
                    type="button"
                    className="chip found"
                    aria-pressed={chosen}
                    aria-label={`unit ${u.unit}, r = ${num(u.r)} with ${FEATURE_LABELS[row.feature]}`}
                    onClick={() => pickFoundUnit(u.unit, signal, row.feature)}
                  >
                    {u.unit} <span className="r">r {num(u.r)}</span>
                  </button>
                );
              })
            ) : (
              <span className="hint">not in the text</span>
            )}
          </li>
        ))}
      </ul>
    </div>
  );
});
